import D8Core
import D8Harness
import Foundation
import Testing

/// Every documented endpoint wants its own role; a worker cannot touch another's task; no
/// secret ever shows, in answers or in the server's log.
@Suite("Auth and isolation")
struct AuthIsolationTests {
    static let workerToken = "wt-iso-4b7e21d9"
    static let clientKeys = ["ck-iso-alpha-6f30c2", "ck-iso-beta-91d5aa"]
    static let adminKey = "ak-iso-ops-3c88e1"
    static var secrets: [String] { [workerToken, adminKey] + clientKeys }

    static func configure(_ config: inout D8Config) {
        config.auth.workerToken = workerToken
        config.auth.clientKeys = [ClientKey(name: "alpha", key: clientKeys[0]), ClientKey(name: "beta", key: clientKeys[1]),
                                  ClientKey(name: "ops", key: adminKey, isAdmin: true)]
    }

    /// d8's refusal code; the front door answers in OpenAI's error types instead.
    static func refusal(_ reply: HTTPTestClient.Reply, _ op: APISpec.Operation) -> String? {
        guard op.path.hasPrefix("/v1/") else { return reply["code"]?.stringValue }
        return switch reply["error"]?["type"]?.stringValue {
        case "authentication_error"?: "unauthorized"
        case "permission_error"?: "forbidden"
        case let other: other
        }
    }

    @Test func everyDocumentedEndpointWantsItsOwnRole() async throws {
        try await withLoggedServer(Self.configure) { server in
            let operations = APISpec.shared.operations
            #expect(operations.filter { $0.role == .open }.map(\.path).sorted() == ["/health", "/openapi.yaml"])
            for op in operations {
                let path = op.filled { _ in "x" }
                if op.role == .open {
                    #expect(try await server.client(nil).send(op.method, path).status == 200, "\(op) is open")
                    continue
                }
                for token in [nil, "guess", Self.workerToken + "x", String(Self.clientKeys[0].dropLast())] {
                    let reply = try await server.client(token).send(op.method, path)
                    #expect(reply.status == 401 && Self.refusal(reply, op) == "unauthorized", "\(op) with \(token ?? "no token"): \(reply.status)")
                }
                let own = switch op.role {
                case .worker: [Self.workerToken]
                case .admin: [Self.adminKey]
                default: Self.clientKeys + [Self.adminKey]
                }
                let others = switch op.role {
                case .worker: Self.clientKeys + [Self.adminKey]
                case .admin: Self.clientKeys + [Self.workerToken]
                default: [Self.workerToken]
                }
                for token in others {
                    let reply = try await server.client(token).send(op.method, path)
                    #expect(reply.status == 403 && Self.refusal(reply, op) == "forbidden", "\(op) with the other role's secret: \(reply.status)")
                }
                for token in own {
                    // Past auth, the handler answers: a success, or a 4xx about the request (no
                    // body, an unknown id), never an auth refusal and never a 5xx.
                    let reply = try await server.client(token).send(op.method, path)
                    #expect((200..<500).contains(reply.status) && ![401, 403].contains(reply.status), "\(op) with its own secret: \(reply.status)")
                }
            }
        }
    }

    @Test func aWorkerCannotReportAnotherWorkersTask() async throws {
        try await withLoggedServer(Self.configure) { server in
            let client = server.client(Self.clientKeys[1])
            let worker = server.client(Self.workerToken)
            try await worker.register("holder")
            try await worker.register("thief")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let task = try #require(try await worker.poll("holder")["task"])
            let before = try await client.status(id).body

            let attempts: [HTTPTestClient.Reply] = [
                try await worker.report(task, worker: "thief"), // with the holder's lease
                try await worker.report(task.setting(["lease"], to: nil), worker: "thief"), // as an old D8 worker, no lease
                try await worker.post("/api/workers/results", ["task_id": .string(id), "worker_id": "thief", "result": ["success": false, "error": "mine"]]),
            ]
            for reply in attempts {
                #expect(reply.status == 409, "\(reply.body)")
                #expect(reply["code"] == "stale_lease")
            }
            #expect(try await client.status(id).body == before, "a refused report changes nothing")
            #expect(try await worker.report(task, worker: "holder").status == 200)
            #expect(try await client.status(id)["status"] == "completed")
        }
    }

    @Test func secretsNeverShowInAnswersOrLogs() async throws {
        try await withLoggedServer(Self.configure) { server in
            let client = server.client(Self.clientKeys[0])
            let worker = server.client(Self.workerToken)
            var replies: [HTTPTestClient.Reply] = []
            replies.append(try await worker.register("w"))
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let task = try #require(try await worker.poll("w")["task"])
            replies.append(try await worker.report(task, worker: "w"))
            for path in ["/api/tasks/status/\(id)", "/api/stats", "/api/workers/stats", "/api/workers/list", "/api/tasks/queue", "/health", "/api/tasks/status/nope"] {
                replies.append(try await client.get(path))
            }
            // Refusals, which are where a secret would be echoed: each role's secret in the other's place, near-misses, bad input.
            let nearMisses = Self.secrets.map { $0 + "0" } + Self.secrets.map { String($0.dropFirst()) }
            for token in Self.secrets + nearMisses {
                replies.append(try await server.client(token).get("/api/stats"))
                replies.append(try await server.client(token).get("/api/workers/w/tasks"))
                replies.append(try await server.client(token).post("/api/tasks/submit", ["type": "echo", "data": [:], "priority": 99]))
            }
            replies.append(try await client.post("/api/tasks/submit", ["type": "echo", "data": "x"]))
            replies.append(try await worker.post("/api/workers/register", ["worker_id": "w2", "worker_type": "nope"]))
            replies.append(try await client.send("GET", "/api/nothing", headers: ["Authorization": "Bearer \(Self.workerToken)"]))
            #expect(replies.count > 30)
            for reply in replies {
                let text = reply.body.jsonString + reply.headers.map { "\($0.key): \($0.value)" }.joined()
                for secret in Self.secrets { #expect(!text.contains(secret), "a secret in \(reply.status) \(reply.body)") }
            }
            let logs = CapturedLogs.all
            #expect(logs.contains { $0.contains("worker registered") }, "the server's log is captured")
            for line in logs {
                // Another suite's server may log its own secrets here: only these secrets count.
                for secret in Self.secrets { #expect(!line.contains(secret), "a secret in the log: \(line)") }
            }
        }
    }
}
