import D8Harness
import D8Core
import D8Wire
import Foundation
import Testing

/// docs/openapi.yaml is the API: served as is, and in step with the routes the server has.
@Suite("OpenAPI document")
struct OpenAPITests {
    @Test func theServedDocumentIsTheFileByteForByte() async throws {
        try await withLiveServer { $0.auth.clientKeys = [ClientKey(name: "c", key: "ck-openapi")] } run: { server in
            let port = server.port
            let response = try await onThread { try RawHTTPConnection(port: port).request(httpRequest("GET", "/openapi.yaml")) }
            #expect(response.status == 200, "open without a key")
            #expect(response.header("content-type") == "application/yaml")
            #expect(Data(response.body) == (try Data(contentsOf: APISpec.documentURL)), "the served document is docs/openapi.yaml compiled in")
        }
    }

    @Test func everyDocumentedRouteAnswers() async throws {
        try await withLiveServer { server in
            #expect(APISpec.shared.operations.count >= 17)
            for op in APISpec.shared.operations {
                let reply = try await server.client.send(op.method, op.filled { _ in "x" })
                // The handler may refuse the request (a 404 for task x), but the router must know the route.
                #expect(reply.status != 405 && reply["error"]?.stringValue?.hasPrefix("no route") != true, "\(op): \(reply.status) \(reply.body)")
            }
        }
    }

    /// The route table the server registers from, auth takes its roles from and the client
    /// calls through is the document's list of operations, no more and no less.
    @Test func theRouteTableIsTheDocumentedAPI() throws {
        let documented = Set(APISpec.shared.operations.map(\.description))
        let table = Set(Route.all.map(\.description))
        #expect(table.count == Route.all.count, "a route is listed twice")
        for route in table { #expect(documented.contains(route), "\(route) is not in docs/openapi.yaml") }
        for route in documented { #expect(table.contains(route), "\(route) is documented but not in Route.all") }
    }

    /// Every route of the table is served: the router knows it (the handler may still refuse
    /// the made-up ids with a 404 in words, never "no route").
    @Test func everyRouteOfTheTableIsServed() async throws {
        try await withLiveServer { server in
            for route in Route.all {
                let reply = try await server.client.send(route.method, route.path(Array(repeating: "x", count: 2)))
                #expect(reply.status != 405 && reply["error"]?.stringValue?.hasPrefix("no route") != true, "\(route): \(reply.status) \(reply.body)")
            }
        }
    }

    /// The table's roles are the document's security: `workerToken` a worker route, `clientKey`
    /// a client route, none an open one.
    @Test func rolesAreTheDocumentedSecurity() throws {
        for route in Route.all {
            let operation = try #require(APISpec.shared.operations.first { $0.description == route.description })
            let documented: Route.Role = switch operation.role { case .open: .open; case .client: .client; case .admin: .admin; case .worker: .worker }
            #expect(route.role == documented, "\(route): the document says \(documented), the table \(route.role)")
        }
    }
}
