import D8Core
import D8Harness
import Foundation
import Testing

/// Workers and orchestrators that die, restart or are asked to stop, as real processes.
@Suite("Workers that die, drain and outlive the orchestrator", .serialized)
struct WorkerFailureTests {
    static func slowEcho(delayMs: Int, slots: Int = 1) -> String {
        """
        echo:
          plugin: echo
          slots: \(slots)
          delay_ms: \(delayMs)
        """
    }

    @Test func aTaskOfAWorkerKilledMidTaskCompletesOnAnother() async throws {
        // Two free worker types; the task prefers `slow`, which would take a minute.
        let cluster = try Cluster(workerTypes: """
            slow:
              plugin: echo
              delay_ms: 60000
            fast:
              plugin: echo
            """, extra: "task_types:\n  echo: { route: [slow, fast], strategy: ordered }")
        defer { cluster.shutdown() }
        let doomed = try cluster.startWorker(type: "slow", id: "doomed")
        let id = try cluster.submit("echo", data: ["job": "survive"])
        #expect(await eventually { try cluster.status(id)["assigned_to"] == "doomed" })

        doomed.kill()
        try cluster.startWorker(type: "fast", id: "heir")
        // After worker_timeout (2 s) the orchestrator gives the task to the other worker.
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed")
        #expect(status["assigned_to"] == "heir")
        #expect(status["attempt"] == 2)
        #expect(status["result"]?["output"] == .string(#"{"job":"survive"}"#))
        #expect(status["errors"]?.arrayValue?.first?["worker_id"] == "doomed")
    }

    @Test func heartbeatsKeepABusyWorkerAlivePastTheWorkerTimeout() async throws {
        // The task takes 3.5 s; the orchestrator declares a worker dead after 2 s of silence.
        let cluster = try Cluster(workerTypes: Self.slowEcho(delayMs: 3500))
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "echo", id: "busy")
        let id = try cluster.submit("echo", data: ["n": 1])
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed")
        #expect(status["attempt"] == 1, "never taken away from its worker: \(status.jsonString)")
        #expect(try cluster.workerList().first?["status"] == "online")
    }

    @Test func aWorkerOutlivesAnOrchestratorRestartAndGoesOnServing() async throws {
        let cluster = try Cluster(workerTypes: Self.slowEcho(delayMs: 0, slots: 2))
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", id: "steady")
        let first = try cluster.submit("echo", data: ["n": 1])
        #expect(try await cluster.waitFinished(first)["assigned_to"] == "steady")

        try cluster.restartOrchestrator()
        let second = try cluster.submit("echo", data: ["n": 2])
        let status = try await cluster.waitFinished(second)
        #expect(status["status"] == "completed")
        #expect(status["assigned_to"] == "steady")

        // Down for a while this time: the worker keeps retrying and never exits.
        cluster.killOrchestrator()
        try await Task.sleep(for: .seconds(2))
        #expect(worker.process.isRunning)
        try cluster.restartOrchestrator()
        let third = try cluster.submit("echo", data: ["n": 3])
        #expect(try await cluster.waitFinished(third)["assigned_to"] == "steady")
        #expect(worker.process.isRunning)
        #expect(worker.log.contains("registered"))
    }

    @Test func sigtermFinishesInFlightTasksThenUnregisters() async throws {
        let cluster = try Cluster(workerTypes: Self.slowEcho(delayMs: 1500, slots: 2))
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", id: "leaving")
        let ids = try (0..<2).map { n in try cluster.submit("echo", data: ["n": JSONValue(n)]) }
        #expect(await eventually { try ids.allSatisfy { try cluster.status($0)["status"] == "assigned" } })

        worker.terminate()
        #expect(worker.waitForExit() == 0)
        for id in ids { #expect(try cluster.status(id)["status"] == "completed", "in-flight tasks finish before exit") }
        #expect(try cluster.workerList().isEmpty, "the worker unregistered")
    }

    @Test func sigtermHandsBackWhatDoesNotFinishWithinTheDrainTimeout() async throws {
        let cluster = try Cluster(workerTypes: Self.slowEcho(delayMs: 20000))
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", id: "hasty", arguments: ["--drain-timeout", "0.5"])
        let id = try cluster.submit("echo", data: ["n": 1])
        #expect(await eventually { try cluster.status(id)["status"] == "assigned" })

        let start = ContinuousClock.now
        worker.terminate()
        #expect(worker.waitForExit() == 0)
        #expect(ContinuousClock.now - start < .seconds(10))
        let status = try cluster.status(id)
        #expect(status["status"] == "pending", "handed back to the queue: \(status.jsonString)")
        #expect(status["attempt"] == 0, "a hand-back does not count as an attempt")
    }

    @Test func aWorkerStartedBeforeTheOrchestratorWaitsForIt() async throws {
        let cluster = try Cluster(workerTypes: Self.slowEcho(delayMs: 0))
        defer { cluster.shutdown() }
        cluster.killOrchestrator()
        let worker = try cluster.startWorker(type: "echo", id: "early")
        try await Task.sleep(for: .seconds(1))
        #expect(worker.process.isRunning)
        try cluster.restartOrchestrator()
        let id = try cluster.submit("echo", data: ["n": 1])
        #expect(try await cluster.waitFinished(id)["assigned_to"] == "early")
    }
}
