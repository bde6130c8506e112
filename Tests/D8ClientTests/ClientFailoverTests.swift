import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// A client given several orchestrators: a dead or failing one is left for the next, and a
/// request is sent again only when that cannot do anything twice.
@Suite("D8Client with several orchestrators")
struct ClientFailoverTests {
    @Test func aClientGivenADeadAndALiveOrchestratorSubmitsAndReadsStatus() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = try D8Client(orchestrators: [nowhere, orchestrator.url])

        // No key: safe all the same, since the dead one refused the connection before anything was sent.
        let task = try await client.submit(TaskSubmission(type: "echo", data: ["n": 1]))
        #expect(client.orchestratorURL == orchestrator.url, "later calls start from the one that answered")
        let status = try await client.status(task.id)
        #expect(status.id == task.id && status.status == .pending)

        let worker = try await orchestrator.worker()
        let lease = try await worker.lease()
        try await worker.complete(lease, with: ["output": "done"])
        #expect(try await client.wait(for: task.id, timeout: .seconds(10)).status == .completed)
    }

    @Test func aFailingOrchestratorIsLeftAndOnlySafeRequestsAreSentAgain() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let stopping = try FakeProvider(handler: FakeProvider.error(status: 503, body: #"{"error": "the orchestrator is stopping", "code": "shutting_down"}"#))
        defer { stopping.stop() }

        // A submit without a key reached the failing node: it is not sent again, but the client moves on.
        let unkeyed = try D8Client(orchestrators: [stopping.baseURL, orchestrator.url])
        let refused = await #expect(throws: D8ClientError.self) { try await unkeyed.submit(TaskSubmission(type: "echo", data: ["n": 1])) }
        #expect(refused == .rejected(status: 503, code: "shutting_down", message: "the orchestrator is stopping"))
        #expect(unkeyed.orchestratorURL == orchestrator.url)
        #expect(stopping.requests.count == 1)

        // Reads and keyed submits are safe to repeat: they go on to the next at once.
        let keyed = try D8Client(orchestrators: [stopping.baseURL, orchestrator.url])
        let task = try await keyed.submit(TaskSubmission(type: "echo", data: ["n": 2], idempotencyKey: "failover-1"))
        #expect(try await keyed.status(task.id).json["data"] == ["n": 2])
        let reader = try D8Client(orchestrators: [stopping.baseURL, orchestrator.url])
        #expect(try await reader.stats()["tasks"] != nil)
        #expect(stopping.requests.count == 3)
    }

    @Test func everyOrchestratorDownIsUnreachableNamingTheLastOneTried() async throws {
        let client = try D8Client(orchestrators: [nowhere, "http://127.0.0.1:2"])
        let error = await #expect(throws: D8ClientError.self) { try await client.stats() }
        guard case let .unreachable(url, reason)? = error else { Issue.record("\(String(describing: error))"); return }
        #expect(url == "http://127.0.0.1:2" && reason.hasPrefix("connection refused"))
        #expect(client.orchestratorURL == nowhere, "round robin: the list wraps")
    }

    @Test(arguments: [
        ("", OrchestratorListError.empty),
        (" , ", .empty),
        ("http://a:1,,http://b:2", .emptyEntry(position: 2)),
        ("http://a:1,", .emptyEntry(position: 2)),
        ("http://a:1,b:2", .malformed("b:2", reason: "must start with http:// or https://")),
        ("http://a:1?x=1", .malformed("http://a:1?x=1", reason: "must not have a query or fragment")),
        ("http://", .malformed("http://", reason: "must name a host")),
    ])
    func aBadListIsRefusedNamingTheEntry(list: String, error: OrchestratorListError) {
        #expect(throws: error) { try OrchestratorList.parse(list) }
    }

    @Test func aListIsReadInOrderWithSpacesAroundCommasAllowed() throws {
        #expect(try OrchestratorList.parse("http://a:7001, https://b:7002/d8 ,http://[::1]:7003") == ["http://a:7001", "https://b:7002/d8", "http://[::1]:7003"])
        #expect(try OrchestratorList.parse("http://127.0.0.1:7001") == ["http://127.0.0.1:7001"])
        #expect(throws: OrchestratorListError.empty) { try D8Client(orchestrators: []) }
    }

    @Test func theCommandsTakeAListFromTheFlagOrTheEnvironment() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let list = "\(nowhere),\(orchestrator.url)"
        let submit = try await d8(["submit", "echo", "--prompt", "hi", "--orchestrator", list])
        #expect(submit.status == 0, "\(submit.stderr)")
        let id = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let status = try await d8(["status", id, "--json"], environment: ["D8_ORCHESTRATOR_URL": list])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(try JSONValue.parse(Array(status.stdout.utf8))["task_id"] == .string(id))

        let bad = try await d8(["stats", "--orchestrator", "\(orchestrator.url),,"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("entry 2 of the list of orchestrator URLs is empty"), "\(bad.stderr)")
    }
}
