import D8Client
import D8Core
import Synchronization
import Testing

/// What `D8Client` throws, and when its local fallback runs.
@Suite("D8Client errors and fallback")
struct ClientErrorTests {
    @Test func aRefusalCarriesTheServersWords() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client

        let refused = await #expect(throws: D8ClientError.self) { try await client.submit(TaskSubmission(type: "nope", data: [:])) }
        guard case let .rejected(status, code, message)? = refused else { Issue.record("\(String(describing: refused))"); return }
        #expect(status == 422)
        #expect(code == "unknown_task_type")
        #expect(message.hasPrefix("unknown task type 'nope' (known: "))

        let missing = await #expect(throws: D8ClientError.self) { try await client.status("no-such-task") }
        #expect(missing == .rejected(status: 404, code: "not_found", message: "no task with id 'no-such-task'"))
    }

    @Test func anUnreachableOrchestratorIsSaidInWords() async throws {
        let error = await #expect(throws: D8ClientError.self) { try await D8Client(orchestrator: nowhere).stats() }
        guard case let .unreachable(url, reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(url == nowhere)
        #expect(reason.hasPrefix("connection refused"))
        #expect(error?.description.hasPrefix("cannot reach the orchestrator at http://127.0.0.1:1: connection refused") == true)
    }

    @Test func theClientKeyIsSentAsABearerToken() async throws {
        let orchestrator = try Orchestrator.start(extra: """
            auth:
              client_keys:
                - name: tester
                  key: ck-7d2e-secret
            """)
        defer { orchestrator.stop() }
        let task = TaskSubmission(type: "echo", data: [:])
        let anonymous = await #expect(throws: D8ClientError.self) { try await orchestrator.client.submit(task) }
        #expect(anonymous?.rejectionStatus == 401)
        let wrong = await #expect(throws: D8ClientError.self) { try await D8Client(orchestrator: orchestrator.url, key: "guess").submit(task) }
        #expect(wrong == .rejected(status: 401, code: "unauthorized", message: "the client key is not valid"))
        let keyed = D8Client(orchestrator: orchestrator.url, key: "ck-7d2e-secret")
        let id = try await keyed.submit(task).id
        #expect(try await keyed.status(id).status == .pending)
    }

    @Test func theFallbackRunsWhenTheOrchestratorIsUnreachable() async throws {
        let calls = Mutex(0)
        let client = D8Client(orchestrator: nowhere) { task in
            calls.withLock { $0 += 1 }
            return ["output": .string("local: \(task.data["prompt"]?.stringValue ?? "")")]
        }
        let status = try await client.submitAndWait(TaskSubmission(type: "code_generation", data: ["prompt": "sort a list"]), timeout: .seconds(5))
        #expect(status.isLocal)
        #expect(status.status == .completed)
        #expect(status.output == "local: sort a list")
        #expect(status.type == "code_generation")
        #expect(status.id.hasPrefix("local-"))
        #expect(calls.withLock { $0 } == 1)
    }

    @Test func theFallbackNeverRunsForARefusalOrAReachableOrchestrator() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let calls = Mutex(0)
        let client = D8Client(orchestrator: orchestrator.url) { _ in
            calls.withLock { $0 += 1 }
            return ["output": "local"]
        }
        let refused = await #expect(throws: D8ClientError.self) {
            try await client.submitAndWait(TaskSubmission(type: "nope", data: [:]), timeout: .seconds(5))
        }
        #expect(refused?.rejectionStatus == 422)

        let worker = try await orchestrator.worker()
        async let waited = client.submitAndWait(TaskSubmission(type: "echo", data: [:]), timeout: .seconds(20))
        try await worker.complete(try await worker.lease(), with: ["output": "remote"])
        let status = try await waited
        #expect(!status.isLocal)
        #expect(status.output == "remote")
        #expect(calls.withLock { $0 } == 0)
    }

    @Test func aFailingFallbackIsReported() async throws {
        struct ProviderDown: Error, CustomStringConvertible { var description: String { "the local model is not running" } }
        let client = D8Client(orchestrator: nowhere) { _ in throw ProviderDown() }
        let error = await #expect(throws: D8ClientError.self) {
            try await client.submitAndWait(TaskSubmission(type: "echo", data: [:]), timeout: .seconds(5))
        }
        #expect(error == .fallbackFailed("the local model is not running"))
    }
}

extension D8ClientError {
    var rejectionStatus: Int? { if case let .rejected(status, _, _) = self { status } else { nil } }
}
