import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 worker --orchestrator A,B`: one orchestrator at a time, the next when it stops answering.
/// Two independent `d8 serve` (SQLite, each its own data) play the nodes: B knows nothing of
/// A's tasks, so it refuses their results, which is how the test sees they were sent to it.
@Suite("Workers given several orchestrators", .serialized)
struct FailoverTests {
    static let nobody = "http://127.0.0.1:1"

    static func echo(delayMs: Int = 0) -> String {
        """
        echo:
          plugin: echo
          slots: 1
          delay_ms: \(delayMs)
        """
    }

    @Test func aWorkerWhoseFirstOrchestratorIsDeadRegistersOnTheNextAndServes() async throws {
        let cluster = try Cluster(workerTypes: Self.echo())
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", id: "patient", orchestrator: "\(Self.nobody),\(cluster.url)")
        let id = try cluster.submit("echo", data: ["n": 1])
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed")
        #expect(status["assigned_to"] == "patient")
        #expect(worker.log.contains("switching to the next"), "\(worker.log)")
        #expect(worker.log.contains("from=\(Self.nobody)") && worker.log.contains("to=\(cluster.url)"), "\(worker.log)")
    }

    @Test func aWorkerMovesToTheNextOrchestratorWhenItsOwnIsKilled() async throws {
        let (a, b) = (try Cluster(workerTypes: Self.echo()), try Cluster(workerTypes: Self.echo()))
        defer { a.shutdown(); b.shutdown() }
        let worker = try a.startWorker(type: "echo", id: "mover", orchestrator: "\(a.url),\(b.url)")
        let first = try a.submit("echo", data: ["n": 1])
        #expect(try await a.waitFinished(first)["assigned_to"] == "mover")
        #expect(try b.workerList().isEmpty, "one orchestrator at a time")

        a.killOrchestrator()
        #expect(await eventually { try b.workerList().contains { $0["worker_id"] == "mover" } }, "registered on B: \(worker.log)")
        let second = try b.submit("echo", data: ["n": 2])
        let status = try await b.waitFinished(second)
        #expect(status["status"] == "completed")
        #expect(status["assigned_to"] == "mover")
        #expect(worker.log.contains("from=\(a.url)") && worker.log.contains("to=\(b.url)"), "\(worker.log)")
        #expect(worker.process.isRunning)
    }

    @Test func aResultInFlightWhenTheOrchestratorDiesIsSentToTheNext() async throws {
        // The task takes 4 s: A is killed while the worker runs it.
        let (a, b) = (try Cluster(workerTypes: Self.echo(delayMs: 4000)), try Cluster(workerTypes: Self.echo(delayMs: 4000)))
        defer { a.shutdown(); b.shutdown() }
        let worker = try a.startWorker(type: "echo", id: "carrier", orchestrator: "\(a.url),\(b.url)")
        let id = try a.submit("echo", data: ["n": 1])
        #expect(await eventually { try a.status(id)["status"] == "assigned" })
        // A records the lease a moment before its answer reaches the worker: killed in between,
        // the worker would never have held the task. A second later it is surely running.
        try await Task.sleep(for: .seconds(1))

        a.killOrchestrator()
        // B has never heard of the task: its refusal in the worker's log shows the result went to B.
        let refusedByB = await eventually(timeout: .seconds(20)) {
            worker.log.split(separator: "\n").contains { $0.contains("result refused") && $0.contains(id) && $0.contains("orchestrator=\(b.url)") }
        }
        #expect(refusedByB, "\(worker.log)")
        #expect(!worker.log.contains("gave up reporting a result"))

        // And it goes on serving B.
        let next = try b.submit("echo", data: ["n": 2])
        let status = try await b.waitFinished(next)
        #expect(status["status"] == "completed")
        #expect(status["assigned_to"] == "carrier")
    }

    @Test func aMalformedListIsAUsageErrorNamingTheEntry() throws {
        let cluster = try Cluster(workerTypes: Self.echo())
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", orchestrator: "\(cluster.url),localhost:7002")
        #expect(worker.waitForExit(timeout: .seconds(10)) == 2)
        #expect(worker.log.contains("the orchestrator's URL must start with http:// or https://, got 'localhost:7002'"), "\(worker.log)")
    }
}
