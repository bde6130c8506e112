import ArgumentParser
import D8Client
import D8Core
import D8Harness
import D8Worker
import Dispatch
import Foundation
import Logging
import Synchronization

/// What `d8 worker` adds per task, and how many tasks one worker moves: the real runtime (lease
/// loop, slot threads, the plugin through the C ABI, results over libcurl) with the Echo plugin
/// at zero delay, against a release `d8 serve` process with a full queue. The baseline,
/// measured in the same run, is the leanest possible worker: one raw keep-alive socket that
/// leases and posts results with no runtime, no plugin and no libcurl.
struct WorkerBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "worker", abstract: "Per-task overhead and throughput of d8 worker.")

    @Option(help: "Tasks per scenario.")
    var tasks = 3_000

    @Option(help: "Folder holding libd8_echo.so (`make plugins` stages it).")
    var pluginsDir = "./Plugins"

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func run() throws {
        // process durability: the store's fsync is the orchestrator's cost, not the worker's.
        let server = try BenchServer.start(durability: "process", pluginsDir: pluginsDir)
        defer { server.stop() }
        var scenarios: [[String: Any]] = [rawWorker(port: server.port)]
        for slots in [1, 16] { scenarios.append(try d8Worker(port: server.port, slots: slots)) }
        let report: [String: Any] = [
            "benchmark": "worker", "cores": ProcessInfo.processInfo.activeProcessorCount, "plugin": "echo (C, delay 0)",
            "tasks_per_scenario": tasks, "durability": "process",
            "metric": "worker_added_ms: lease answer received → result acknowledged, per task",
            "scenarios": scenarios,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Fills the queue with `tasks` echo tasks, in batches, before a worker starts.
    func fillQueue(port: Int) {
        let connection = RawHTTPConnection.connected(port: port)
        var sent = 0
        while sent < tasks {
            let n = min(500, tasks - sent)
            let items = (0..<n).map { i in JSONValue.object(["type": "echo", "data": ["prompt": .string("task \(sent + i)")]]) }
            let reply = connection.request("POST", "/api/tasks/batch", json: ["tasks": .array(items)])
            precondition(reply.status == 201, "submit refused: \(reply.body)")
            sent += n
        }
    }

    /// The real `d8 worker` runtime with `slots` slots.
    func d8Worker(port: Int, slots: Int) throws -> [String: Any] {
        fillQueue(port: port)
        let logger = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let setup = try WorkerSetup(workerType: WorkerTypeConfig(name: "echo", plugin: "echo", slots: slots), pluginsDir: pluginsDir, logger: logger)
        let timings = Mutex<[TaskTiming]>([])
        let finished = DispatchSemaphore(value: 0)
        let target = tasks
        let id = "bench-\(slots)-\(UUID().uuidString.prefix(6))"
        let runtime = WorkerRuntime(
            api: WorkerAPI(endpoint: APIEndpoint(baseURL: "http://127.0.0.1:\(port)", token: nil), workerID: id),
            plugin: setup.instance, capabilities: setup.capabilities, limiter: setup.rateLimiter,
            options: WorkerOptions(workerID: id, workerType: "echo", slots: slots, pollWait: .seconds(1)),
            logger: logger,
            onTaskDone: { timing in
                let count = timings.withLock { $0.append(timing); return $0.count }
                if count == target { finished.signal() }
            }
        )
        let stopped = DispatchSemaphore(value: 0)
        Thread { runtime.run(); stopped.signal() }.start()
        finished.wait()
        runtime.drain()
        stopped.wait()
        let all = timings.withLock { $0 }
        precondition(all.allSatisfy(\.accepted), "a result was refused")
        let first = all.map(\.leased).min()!, last = all.map(\.reported).max()!
        return [
            "worker": "d8 worker runtime", "slots": slots, "tasks": all.count,
            "tasks_per_second": (Double(all.count) / (last - first).seconds).rounded(),
            "worker_added_ms": Stats(all.map { ($0.reported - $0.leased).seconds * 1000 }).json,
            "plugin_execute_ms": Stats(all.map { ($0.executeEnded - $0.executeStarted).seconds * 1000 }).json,
        ]
    }

    /// The baseline: lease one task, post its result, repeat, on one raw socket.
    func rawWorker(port: Int) -> [String: Any] {
        fillQueue(port: port)
        let connection = RawHTTPConnection.connected(port: port)
        let id = "raw-\(UUID().uuidString.prefix(6))"
        _ = connection.request("POST", "/api/workers/register", json: ["worker_id": .string(id), "worker_type": "echo", "capabilities": ["slots": 1]])
        var added: [Double] = []
        let start = ContinuousClock.now
        while added.count < tasks {
            let reply = connection.request("GET", "/api/workers/\(id)/tasks?wait=1")
            guard let task = reply.body["task"], task != .null else { continue }
            let leased = ContinuousClock.now
            let ack = connection.request("POST", "/api/tasks/\(task["task_id"]!.stringValue!)/result",
                                         json: ["worker_id": .string(id), "lease": task["lease"]!, "result": ["success": true, "output": "ok"]])
            precondition(ack.status == 200, "result refused: \(ack.body)")
            added.append((ContinuousClock.now - leased).seconds * 1000)
        }
        let elapsed = (ContinuousClock.now - start).seconds
        _ = connection.request("POST", "/api/workers/\(id)/unregister")
        return [
            "worker": "baseline: raw socket, no runtime, no plugin", "slots": 1, "tasks": added.count,
            "tasks_per_second": (Double(added.count) / elapsed).rounded(), "worker_added_ms": Stats(added).json,
        ]
    }
}
