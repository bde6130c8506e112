import ArgumentParser
import D8Core
import D8Harness
import Foundation
import Synchronization

/// A large backlog in a release `d8 serve` process: how fast it is submitted (in batches), how
/// the read endpoints answer while it waits, how fast two real `d8 worker` processes (Echo)
/// drain it, and the orchestrator's resident memory idle, at its peak and after the drain.
struct BacklogBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "backlog", abstract: "Submit, query and drain a large backlog; the orchestrator's memory throughout.")

    @Option(help: "Tasks in the backlog.")
    var tasks = 100_000

    @Option(help: "Tasks in one POST /api/tasks/batch.")
    var batchSize = 500

    @Option(help: "Bytes of each task's prompt.")
    var promptBytes = 200

    @Option(help: "Requests per endpoint timed with the backlog pending (the median is reported).")
    var probes = 9

    @Option(help: "Seconds to wait after the drain before reading memory again.")
    var settle = 5.0

    @Option(help: "The d8 executable (default: beside this one; `swift build -c release` builds both).")
    var d8: String?

    @Option(help: "Folder holding libd8_echo.so (`make plugins` stages it).")
    var pluginsDir = "./Plugins"

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func run() throws {
        // The whole backlog waits at one priority of one task type: the queue must hold it.
        let server = try BenchServer.start(durability: "disk", binary: d8, capacity: max(65_536, tasks), pluginsDir: pluginsDir)
        defer { server.stop() }
        let sampler = PeakSampler(usage: server.usage)
        Thread.sleep(forTimeInterval: 1)
        let idle = server.usage.residentMB

        let submitStart = ContinuousClock.now
        submitBacklog(port: server.port)
        let submitSeconds = (ContinuousClock.now - submitStart).seconds
        let connection = RawHTTPConnection.connected(port: server.port)
        let pending = connection.request("GET", "/api/stats").body["tasks"]?["pending"]?.intValue ?? -1
        let reads = ["/health", "/api/stats", "/api/tasks/queue?limit=100"].reduce(into: [String: Double]()) { reads, path in
            reads["GET " + path] = medianMilliseconds(connection, path)
        }

        let drainStart = ContinuousClock.now
        let workers = try (0..<2).map { n in
            try WorkerProcess.start(type: "echo", config: server.configPath, orchestrator: server.serve.url, id: "backlog-\(n)",
                                    arguments: ["--log-level", "error"], pluginsDir: URL(fileURLWithPath: pluginsDir).standardizedFileURL.path,
                                    binary: server.serve.process.executableURL!)
        }
        defer { for worker in workers { worker.kill() } }
        let drained = waitForDrain(connection)
        let drainSeconds = (ContinuousClock.now - drainStart).seconds
        for worker in workers { worker.terminate() }
        for worker in workers { _ = worker.waitForExit() }
        Thread.sleep(forTimeInterval: settle)
        let after = server.usage.residentMB
        let peak = sampler.stop()

        let report: [String: Any] = [
            "benchmark": "backlog", "cores": ProcessInfo.processInfo.activeProcessorCount, "tasks": tasks,
            "prompt_bytes": promptBytes, "batch_size": batchSize, "durability": "disk", "drain_workers": "2 d8 worker processes, echo (C, delay 0), 16 slots each",
            "submit_seconds": round3(submitSeconds), "submit_tasks_per_second": (Double(tasks) / submitSeconds).rounded(),
            "pending_after_submit": pending,
            "median_ms_with_backlog_pending": reads.mapValues(round3),
            "drained": drained, "drain_seconds": round3(drainSeconds), "drain_tasks_per_second": (Double(tasks) / drainSeconds).rounded(),
            "orchestrator_rss_mb": [
                "idle_before": round3(idle), "peak_sampled": round3(peak), "peak_vmhwm": round3(server.usage.peakResidentMB),
                "after_drain": round3(after), "settle_seconds": settle,
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if !drained { throw ExitCode(1) }
    }

    /// Two submitters, `batchSize` tasks a request, each prompt `promptBytes` long.
    private func submitBacklog(port: Int) {
        let next = Atomic<Int>(0)
        let prompt = String(repeating: "p", count: promptBytes)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let connection = RawHTTPConnection.connected(port: port)
            while case let first = next.add(batchSize, ordering: .relaxed).oldValue, first < tasks {
                let items = (first..<min(first + batchSize, tasks)).map { _ in JSONValue.object(["type": "echo", "data": ["prompt": .string(prompt)]]) }
                let reply = connection.request("POST", "/api/tasks/batch", json: ["tasks": .array(items)])
                precondition(reply.status == 201, "submit refused: \(reply.body)")
            }
        }
    }

    private func medianMilliseconds(_ connection: RawHTTPConnection, _ path: String) -> Double {
        let times = (0..<probes).map { _ in
            let start = ContinuousClock.now
            let reply = connection.request("GET", path)
            precondition(reply.status == 200, "GET \(path): \(reply.status)")
            return (ContinuousClock.now - start).seconds * 1000
        }
        return Stats(times).percentile(50)
    }

    /// Until every task is completed (none pending or assigned); false after ten minutes.
    private func waitForDrain(_ connection: RawHTTPConnection) -> Bool {
        let deadline = ContinuousClock.now + .seconds(600)
        while ContinuousClock.now < deadline {
            let counts = connection.request("GET", "/api/stats").body["tasks"]
            if counts?["completed"]?.intValue == tasks, counts?["pending"]?.intValue == 0, counts?["assigned"]?.intValue == 0 { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    private func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}

/// Samples a process's resident memory every 100 ms on a thread of its own; `stop` returns the
/// largest sample, in MiB.
final class PeakSampler: Sendable {
    private let peak = Mutex<Double>(0)
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    init(usage: ProcessUsage) {
        Thread { [self] in
            while running.load(ordering: .relaxed) {
                let now = usage.residentMB
                peak.withLock { $0 = max($0, now) }
                Thread.sleep(forTimeInterval: 0.1)
            }
            finished.signal()
        }.start()
    }

    func stop() -> Double {
        running.store(false, ordering: .relaxed)
        finished.wait()
        return peak.withLock { $0 }
    }
}
