import D8Core
import D8Harness
import Foundation
import Testing

/// Plugins that crash, hang or answer garbage inside `execute`, in real worker processes: the
/// task is never lost, and the error says what happened. (A plugin whose `create` fails is in
/// WorkerStartupErrorTests.)
@Suite("Plugins that fault inside execute", .serialized)
struct PluginFaultTests {
    /// A faulty worker type preferred over a healthy echo one for the `echo` task type.
    static func cluster(faulty plugin: String, slots: Int = 1, queue: String = Cluster.fastQueue) throws -> Cluster {
        try Cluster(workerTypes: """
            faulty:
              plugin: \(plugin)
              slots: \(slots)
            healthy:
              plugin: echo
            """, extra: "task_types:\n  echo: { route: [faulty, healthy], strategy: ordered, spill_after: 1s }", queue: queue)
    }

    @Test func aPluginThatSegfaultsLosesItsWorkerButNotTheTask() async throws {
        let plugins = try FaultPlugins()
        defer { plugins.remove() }
        let cluster = try Self.cluster(faulty: "crash")
        defer { cluster.shutdown() }
        let crasher = try cluster.startWorker(type: "faulty", id: "crasher", arguments: plugins.workerArguments)
        try cluster.startWorker(type: "healthy", id: "heir", arguments: plugins.workerArguments)
        #expect(await eventually { try cluster.workerList().count == 2 })

        let id = try cluster.submit("echo", data: ["fault": true])
        #expect(crasher.waitForExit() != nil, "the segfault ends the worker process")
        // worker_timeout (2 s) later the orchestrator hands the task to the healthy worker.
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed", "\(status.jsonString)")
        #expect(status["assigned_to"] == "heir")
        #expect(status["attempt"] == 2)
        let error = status["errors"]?.arrayValue?.first
        #expect(error?["worker_id"] == "crasher")
        #expect(error?["error"]?.stringValue?.contains("sent no heartbeat") == true, "\(status.jsonString)")
    }

    @Test func aPluginThatHangsKeepsOneSlotButTheWorkerLivesAndTheTaskMovesOn() async throws {
        let plugins = try FaultPlugins()
        defer { plugins.remove() }
        let cluster = try Self.cluster(faulty: "hang", slots: 2, queue: Cluster.fastQueue.replacingOccurrences(of: "task_timeout: 30s", with: "task_timeout: 2s"))
        defer { cluster.shutdown() }
        let stuck = try cluster.startWorker(type: "faulty", id: "stuck", arguments: plugins.workerArguments)
        #expect(await eventually { try cluster.workerList().count == 1 })

        let hanging = try cluster.submit("echo", data: ["fault": true])
        #expect(await eventually { try cluster.status(hanging)["status"] == "assigned" })
        // The worker's other slot goes on serving while the first is stuck.
        let other = try cluster.submit("echo", data: ["fault": false])
        let served = try await cluster.waitFinished(other, timeout: .seconds(10))
        #expect(served["status"] == "completed")
        #expect(served["assigned_to"] == "stuck")

        // Each lease expires after task_timeout (2 s); the second one hangs the other slot too,
        // and then the healthy worker takes the task.
        try cluster.startWorker(type: "healthy", id: "heir", arguments: plugins.workerArguments)
        let status = try await cluster.waitFinished(hanging)
        #expect(status["status"] == "completed", "\(status.jsonString)")
        #expect(status["assigned_to"] == "heir")
        let errors = status["errors"]?.arrayValue ?? []
        #expect(!errors.isEmpty)
        #expect(errors.allSatisfy { $0["worker_id"] == "stuck" && $0["error"]?.stringValue?.hasPrefix("lease expired") == true }, "\(status.jsonString)")

        // Past worker_timeout, the hung worker is still alive and registered: its heartbeats go
        // on. Both its slots hold hung calls, and the orchestrator counts them busy (not free),
        // so routing does not wait on them.
        try await Task.sleep(for: .seconds(3))
        #expect(stuck.process.isRunning)
        let listed = try cluster.workerList().first { $0["worker_id"] == "stuck" }
        #expect(listed?["status"] == "busy", "\(listed?.jsonString ?? "not listed")")
        #expect(listed?["busy_slots"] == 2)
        #expect(stuck.log.contains("execute has run past the task timeout"), "\(stuck.log)")
    }

    @Test func aPluginThatAnswersGarbageCostsAnAttemptEachTimeWithTheReason() async throws {
        let plugins = try FaultPlugins()
        defer { plugins.remove() }
        let cluster = try Self.cluster(faulty: "garbage")
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "faulty", id: "liar", arguments: plugins.workerArguments)
        #expect(await eventually { try cluster.workerList().count == 1 })

        // D8_OK with a broken result may be a provider glitch that passes on the next attempt,
        // so it costs an attempt, never the task at once: this plugin lies every time, so the
        // task is dead after max_attempts (3), with each attempt's reason kept.
        let cases: [(data: JSONValue, says: String)] = [
            (["fault": true], "plugin returned invalid JSON: "),
            (["fault": true, "silent": true], "plugin returned invalid JSON: it reported success but emitted no result"),
        ]
        for (data, says) in cases {
            let id = try cluster.submit("echo", data: data)
            let status = try await cluster.waitFinished(id)
            #expect(status["d8_status"] == "dead", "\(status.jsonString)")
            #expect(status["attempt"] == 3)
            let errors = status["errors"]?.arrayValue ?? []
            #expect(errors.count == 3, "\(status.jsonString)")
            #expect(errors.allSatisfy { $0["worker_id"] == "liar" && $0["error"]?.stringValue?.hasPrefix(says) == true }, "\(status.jsonString)")
        }
        // The worker survives its plugin's lies and serves the next task.
        let fine = try await cluster.waitFinished(try cluster.submit("echo", data: ["fault": false]))
        #expect(fine["status"] == "completed")
        #expect(fine["result"]?["output"] == "garbage")
        #expect(worker.process.isRunning)
    }
}
