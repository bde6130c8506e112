import D8Core
import D8Harness
import D8Server
import Foundation
import Testing

@Suite("Auth: client keys and the worker token")
struct AuthTests {
    static let workerToken = "wt-secret-7c1f"
    static let clientKey = "ck-secret-93ab"

    static func configure(_ config: inout D8Config) {
        config.auth.workerToken = workerToken
        config.auth.clientKeys = [ClientKey(name: "discovery", key: clientKey)]
    }

    /// Every endpoint: which role it belongs to.
    static let endpoints: [(method: String, path: String, role: String)] = [
        ("POST", "/api/tasks/submit", "client"), ("POST", "/api/tasks/batch", "client"),
        ("GET", "/api/tasks/status/x", "client"), ("POST", "/api/tasks/x/cancel", "client"),
        ("GET", "/api/tasks/queue", "client"), ("GET", "/api/stats", "client"),
        ("GET", "/api/workers/stats", "client"), ("GET", "/api/workers/list", "client"),
        ("POST", "/api/workers/register", "worker"), ("POST", "/api/workers/w/heartbeat", "worker"),
        ("GET", "/api/workers/w/tasks", "worker"), ("POST", "/api/workers/w/unregister", "worker"),
        ("POST", "/api/workers/unregister", "worker"), ("POST", "/api/workers/results", "worker"),
        ("POST", "/api/tasks/x/result", "worker"),
    ]

    @Test func everyEndpointWantsItsOwnRole() async throws {
        try await withLiveServer(Self.configure) { server in
            for (method, path, role) in Self.endpoints {
                let none = try await server.client.send(method, path)
                #expect(none.status == 401, "\(method) \(path) without a token")
                var wrong = server.client
                wrong.token = "guess"
                #expect(try await wrong.send(method, path).status == 401, "\(method) \(path) with a wrong token")
                var other = server.client
                other.token = role == "client" ? Self.workerToken : Self.clientKey
                let crossed = try await other.send(method, path)
                #expect(crossed.status == 403, "\(method) \(path) with the other role's token")
                #expect(crossed["error"]?.stringValue?.contains(Self.workerToken) == false)
                #expect(crossed["error"]?.stringValue?.contains(Self.clientKey) == false)
                var right = server.client
                right.token = role == "client" ? Self.clientKey : Self.workerToken
                let allowed = try await right.send(method, path)
                // Past auth: a success or a 4xx about the request itself, never a refusal or a 5xx.
                #expect((200..<500).contains(allowed.status) && ![401, 403].contains(allowed.status), "\(method) \(path) with its own token: \(allowed.status)")
            }
            #expect(try await server.client.get("/health").status == 200, "health needs no token")
        }
    }

    @Test func theRightTokensRunATaskAndKeysNeverShow() async throws {
        try await withLiveServer(Self.configure) { server in
            var client = server.client
            client.token = Self.clientKey
            var worker = server.client
            worker.token = Self.workerToken
            try await worker.register("w")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let task = try #require(try await worker.poll("w")["task"])
            #expect(try await worker.report(task, worker: "w").status == 200)
            let status = try await client.status(id)
            #expect(status["status"] == "completed")
            for reply in [status, try await client.get("/api/stats"), try await client.get("/api/workers/list")] {
                #expect(!reply.body.jsonString.contains(Self.clientKey))
                #expect(!reply.body.jsonString.contains(Self.workerToken))
            }
        }
    }
}

@Suite("Binding without auth")
struct InsecureBindTests {
    @Test func aNonLoopbackAddressWithoutKeysIsRefused() async throws {
        var config = D8Config.embeddedDefault
        config.server.host = "0.0.0.0"
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        await #expect {
            _ = try await buildApplication(ServerArguments(config: config, logLevel: .critical))
        } throws: { error in
            "\(error)".contains("refusing to listen on 0.0.0.0 without auth") && "\(error)".contains("allow_insecure")
        }
        config.server.allowInsecure = true
        _ = try await buildApplication(ServerArguments(config: config, logLevel: .critical)) // allowed, with a warning
    }
}
