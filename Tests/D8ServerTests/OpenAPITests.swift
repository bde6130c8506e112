import D8Harness
import D8Core
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
            #expect(Data(response.body) == (try Data(contentsOf: APISpec.documentURL)), "paste docs/openapi.yaml into Sources/D8Server/HTTP/OpenAPIDocument.swift")
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

    /// The routes registered in Sources/D8Server (every `router.get("…")` and the like).
    @Test func everyRegisteredRouteIsDocumented() throws {
        let documented = Set(APISpec.shared.operations.map(\.description))
        let registered = try Self.registeredRoutes()
        #expect(registered.count >= 17)
        for route in registered { #expect(documented.contains(route), "\(route) is not in docs/openapi.yaml") }
        for route in documented { #expect(registered.contains(route), "\(route) is documented but not registered") }
    }

    static func registeredRoutes() throws -> Set<String> {
        let sources = Repository.root.appendingPathComponent("Sources/D8Server")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        let pattern = try Regex(#"router\.(get|post|put|delete|patch|head)\("([^"]+)""#)
        var routes = Set<String>()
        for file in files {
            for match in try String(contentsOf: file, encoding: .utf8).matches(of: pattern) {
                let path = match.output[2].substring!.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                routes.insert("\(match.output[1].substring!.uppercased()) /\(path.joined(separator: "/"))")
            }
        }
        return routes
    }
}
