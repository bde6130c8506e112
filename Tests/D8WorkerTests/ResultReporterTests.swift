import D8Client
import D8Core
import D8Harness
@testable import D8Worker
import Foundation
import Synchronization
import Testing

/// The worker's result reporter against fake orchestrators: d8's (batch endpoint), D8's (none),
/// one that fails for a while, one that is gone.
@Suite struct ResultReporterTests {
    /// Answers every batch with "received" for each result, every single result likewise.
    static let batchingOrchestrator: FakeProvider.Handler = { request in
        guard request.path.hasSuffix("/results") else { return .json(["status": "received"]) }
        let results = request.json?["results"]?.arrayValue ?? []
        return .json(["results": .array(results.map { ["task_id": $0["task_id"] ?? .null, "status": "received"] }), "received": JSONValue(results.count)])
    }

    @Test func resultsReadyTogetherGoInOneRequest() throws {
        let orchestrator = try FakeProvider(handler: Self.batchingOrchestrator)
        defer { orchestrator.stop() }
        let reporter = Reporting(orchestrator.baseURL, workerID: "pc josé")
        for n in 1...5 { reporter.reporter.submit(finished("t\(n)")) }
        reporter.reporter.start()
        reporter.reporter.finish(giveUpAfter: .now + .seconds(5))

        let paths = orchestrator.requests.map { "\($0.method) \($0.path)" }
        #expect(paths == ["POST /api/workers/pc%20jos%C3%A9/results"])
        let sent = orchestrator.requests.first?.json?["results"]?.arrayValue ?? []
        #expect(sent.map { $0["task_id"]?.stringValue } == ["t1", "t2", "t3", "t4", "t5"])
        #expect(sent.allSatisfy { $0["lease"]?.stringValue?.hasPrefix("lease-") == true && $0["result"]?["success"] == true })
        #expect(reporter.accepted == ["t1", "t2", "t3", "t4", "t5"])
    }

    @Test func aLoneResultTakesTheSingleEndpoint() throws {
        let orchestrator = try FakeProvider(handler: Self.batchingOrchestrator)
        defer { orchestrator.stop() }
        let reporter = Reporting(orchestrator.baseURL)
        reporter.reporter.start()
        reporter.reporter.submit(finished("only"))
        reporter.reporter.finish(giveUpAfter: .now + .seconds(5))
        #expect(orchestrator.requests.map(\.path) == ["/api/tasks/only/result"])
        #expect(reporter.accepted == ["only"])
    }

    /// D8's orchestrator has no batch endpoint: its 404 (no d8 error code) turns batching off for good.
    @Test func anOrchestratorWithoutBatchesGetsSingleResults() throws {
        let orchestrator = try FakeProvider { request in
            request.path.hasSuffix("/results") ? .text("Not Found", status: 404) : .json(["status": "received"])
        }
        defer { orchestrator.stop() }
        let reporter = Reporting(orchestrator.baseURL)
        for n in 1...3 { reporter.reporter.submit(finished("a\(n)")) }
        reporter.reporter.start()
        try waitUntil { reporter.settledCount == 3 }
        for n in 1...3 { reporter.reporter.submit(finished("b\(n)")) }
        reporter.reporter.finish(giveUpAfter: .now + .seconds(5))

        let paths = orchestrator.requests.map(\.path)
        #expect(paths.filter { $0.hasSuffix("/results") }.count == 1, "\(paths)")
        #expect(paths.filter { $0.hasSuffix("/result") }.count == 6, "\(paths)")
        #expect(reporter.accepted == ["a1", "a2", "a3", "b1", "b2", "b3"])
    }

    /// A refusal in a batch is that result's alone and final; a failing orchestrator is asked again.
    @Test func refusalsAreFinalAndFailuresAreRetried() throws {
        let answered = Atomic<Int>(0)
        let orchestrator = try FakeProvider { request in
            if answered.add(1, ordering: .relaxed).oldValue == 0 { return .json(["error": "stopping", "code": "unavailable"], status: 503) }
            let results = request.json?["results"]?.arrayValue ?? []
            return .json(["results": .array(results.map { result -> JSONValue in
                let id = result["task_id"] ?? .null
                return id == "lost" ? ["task_id": id, "status": "refused", "http_status": 409, "code": "stale_lease", "error": "lease lost"]
                    : ["task_id": id, "status": "received"]
            })])
        }
        defer { orchestrator.stop() }
        let reporter = Reporting(orchestrator.baseURL)
        for id in ["kept", "lost", "also kept"] { reporter.reporter.submit(finished(id)) }
        reporter.reporter.start()
        reporter.reporter.finish(giveUpAfter: .now + .seconds(10))

        #expect(orchestrator.requests.count == 2, "one 503, then the same batch again")
        #expect(reporter.accepted == ["kept", "also kept"])
        #expect(reporter.refused == ["lost"])
    }

    /// Draining with the orchestrator gone: the results are given up at the deadline, not held forever.
    @Test func anUnreachableOrchestratorIsGivenUpAtTheDeadline() throws {
        let gone = try FakeProvider(handler: Self.batchingOrchestrator)
        let url = gone.baseURL
        gone.stop()
        let reporter = Reporting(url)
        reporter.reporter.start()
        reporter.reporter.submit(finished("x"))
        reporter.reporter.submit(finished("y"))
        let started = ContinuousClock.now
        reporter.reporter.finish(giveUpAfter: .now + .seconds(1))
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(reporter.refused.sorted() == ["x", "y"])
    }

    // MARK: Helpers

    /// A reporter and what it settled, in order.
    struct Reporting {
        let reporter: ResultReporter
        private let outcomes = Outcomes()

        init(_ url: String, workerID: String = "w") {
            let outcomes = self.outcomes
            reporter = ResultReporter(api: WorkerAPI(endpoint: APIEndpoint(baseURL: url, token: nil), workerID: workerID), logger: .init(label: "test")) { finished, accepted in
                outcomes.list.withLock { $0.append((finished.report.taskID, accepted)) }
            }
        }

        var accepted: [String] { outcomes.list.withLock { $0.filter(\.1).map(\.0) } }
        var refused: [String] { outcomes.list.withLock { $0.filter { !$0.1 }.map(\.0) } }
        var settledCount: Int { outcomes.list.withLock { $0.count } }
    }

    final class Outcomes: Sendable {
        let list = Mutex<[(String, Bool)]>([])
    }

    func finished(_ taskID: String) -> FinishedTask {
        let lease = TaskLease(taskID: taskID, type: "echo", data: ["prompt": "hi"], priority: 5, lease: "lease-\(taskID)", attempt: 1,
                              maxAttempts: 3, createdAt: 0, leaseExpiresAt: nil, timeout: .seconds(60))
        let now = ContinuousClock.now
        let report = ResultReport(taskID: taskID, workerID: "w", lease: lease.lease, result: ["success": true, "output": "ok"])
        return FinishedTask(task: HeldTask(lease: lease, leased: now, timeout: .seconds(60)), report: report, executeStarted: now, executeEnded: now)
    }

    func waitUntil(_ condition: () -> Bool) throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw ProcessFailure("condition not met within 10 s") }
            Thread.sleep(forTimeInterval: 0.01)
        }
    }
}
