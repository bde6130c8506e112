import ArgumentParser
import D8Core
import D8Server
import Dispatch
import Foundation
import Synchronization

/// End-to-end throughput and latency of a release orchestrator with its durable store, driven
/// over HTTP by simulated workers (long-poll, batch leases) and concurrent submitters, all in
/// this process on loopback. The baseline is `GET /health` on the same server: the cost of any
/// request that does no work.
struct DispatchBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dispatch", abstract: "Submit → completed throughput and dispatch latency.")

    @Option(help: "Tasks per scenario with one task per request.")
    var tasks = 4_000

    @Option(help: "Tasks per scenario when batched.")
    var batchedTasks = 20_000

    @Option(help: "Tasks in one batch request.")
    var batchSize = 100

    @Option(help: "Simulated workers (each long-polls for up to 64 tasks at once).")
    var workers = 4

    @Option(help: "Samples of dispatch latency.")
    var samples = 500

    @Option(help: "server.durability to measure: disk, process, or both (the default).")
    var durability = "both"

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func run() throws {
        let modes = durability == "both" ? Durability.allCases : [Durability(rawValue: durability)].compactMap { $0 }
        guard !modes.isEmpty else { throw ValidationError("--durability takes disk, process or both") }
        var results: [[String: Any]] = []
        var dispatch: [String: Any] = [:]
        for mode in modes {
            let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("d8-bench-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: dataDir) }
            let server = try BenchServer.start(dataDir: dataDir, durability: mode)
            for batched in [false, true] {
                for submitters in [1, 16] {
                    let scenario = Scenario(port: server.port, submitters: submitters, workers: workers,
                                            tasks: batched ? batchedTasks : tasks, batchSize: batched ? batchSize : 1)
                    var result = scenario.run()
                    result["durability"] = mode.rawValue
                    results.append(result)
                }
            }
            dispatch[mode.rawValue] = measureDispatchLatency(port: server.port)
        }
        let report: [String: Any] = [
            "benchmark": "dispatch", "cores": ProcessInfo.processInfo.activeProcessorCount,
            "store": "sqlite WAL, group commit; durability disk = synchronous=FULL, process = NORMAL",
            "workers": workers, "throughput": results, "dispatch_latency_ms": dispatch,
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Submit answered → an idle long-polling worker has the task; one task at a time.
    func measureDispatchLatency(port: Int) -> [String: Any] {
        let submitter = BenchHTTPConnection(port: port)
        let worker = BenchHTTPConnection(port: port)
        _ = worker.request("POST", "/api/workers/register", json: ["worker_id": "latency-probe", "worker_type": "echo", "capabilities": ["slots": 1]])
        let answered = Atomic<UInt64>(0)
        var dispatch: [Double] = [], health: [Double] = []
        for _ in 0..<samples {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = submitter.request("GET", "/health")
            health.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        let group = DispatchGroup()
        for _ in 0..<samples {
            group.enter()
            // The worker is already waiting in its long-poll when the submit goes out.
            let polled = Atomic<UInt64>(0)
            Thread {
                let reply = worker.request("GET", "/api/workers/latency-probe/tasks?wait=10")
                polled.store(DispatchTime.now().uptimeNanoseconds, ordering: .sequentiallyConsistent)
                if let task = reply.body["task"], task != .null {
                    _ = worker.request("POST", "/api/tasks/\(task["task_id"]!.stringValue!)/result",
                                       json: ["worker_id": "latency-probe", "lease": task["lease"]!, "result": ["success": true, "output": "ok"]])
                }
                group.leave()
            }.start()
            Thread.sleep(forTimeInterval: 0.002)
            _ = submitter.request("POST", "/api/tasks/submit", json: ["type": "echo", "data": ["prompt": "probe"]])
            answered.store(DispatchTime.now().uptimeNanoseconds, ordering: .sequentiallyConsistent)
            group.wait()
            // Negative: the worker had the task before the submitter read its 201.
            dispatch.append((Double(polled.load(ordering: .sequentiallyConsistent)) - Double(answered.load(ordering: .sequentiallyConsistent))) / 1e6)
        }
        return [
            "samples": samples,
            "submit_answered_to_worker_has_task": Stats(dispatch).json,
            "baseline_health_round_trip": Stats(health).json,
        ]
    }
}

/// One throughput scenario: submitters push `tasks` (one per request, or in batches) while the
/// workers lease and report them; the clock runs from the first submit to the last result.
struct Scenario {
    let port: Int, submitters: Int, workers: Int, tasks: Int, batchSize: Int

    func run() -> [String: Any] {
        let completed = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let latencies = Mutex<[Double]>([])
        let workerIDs = (0..<workers).map { "bench-\(UUID().uuidString.prefix(8))-\($0)" }
        let done = DispatchGroup()
        for id in workerIDs {
            let connection = BenchHTTPConnection(port: port)
            _ = connection.request("POST", "/api/workers/register", json: ["worker_id": .string(id), "worker_type": "echo", "capabilities": ["slots": 64]])
            done.enter()
            Thread {
                var mine: [Double] = []
                while !stop.load(ordering: .relaxed) {
                    let reply = connection.request("GET", "/api/workers/\(id)/tasks?wait=0.5&max=64")
                    for task in reply.body["tasks"]?.arrayValue ?? [] {
                        let ack = connection.request("POST", "/api/tasks/\(task["task_id"]!.stringValue!)/result",
                                                     json: ["worker_id": .string(id), "lease": task["lease"]!, "result": ["success": true, "output": "ok"]])
                        precondition(ack.status == 200, "result refused: \(ack.body)")
                        let t0 = task["t0"]?.doubleValue ?? 0
                        mine.append((Double(DispatchTime.now().uptimeNanoseconds) - t0) / 1e6)
                        completed.add(1, ordering: .relaxed)
                    }
                }
                _ = connection.request("POST", "/api/workers/\(id)/unregister")
                latencies.withLock { $0 += mine }
                done.leave()
            }.start()
        }

        let perSubmitter = tasks / submitters
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: submitters) { _ in
            let connection = BenchHTTPConnection(port: port)
            var sent = 0
            while sent < perSubmitter {
                let n = min(batchSize, perSubmitter - sent)
                let now = JSONValue.number(Double(DispatchTime.now().uptimeNanoseconds))
                let reply: (status: Int, body: JSONValue)
                if batchSize == 1 {
                    reply = connection.request("POST", "/api/tasks/submit", json: ["type": "echo", "data": ["t0": now, "prompt": "hi"]])
                } else {
                    let items = (0..<n).map { _ in JSONValue.object(["type": "echo", "data": ["t0": now, "prompt": "hi"]]) }
                    reply = connection.request("POST", "/api/tasks/batch", json: ["tasks": .array(items)])
                }
                precondition(reply.status == 201, "submit refused: \(reply.body)")
                sent += n
            }
        }
        let total = perSubmitter * submitters
        while completed.load(ordering: .relaxed) < total { Thread.sleep(forTimeInterval: 0.001) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        stop.store(true, ordering: .relaxed)
        done.wait()
        return [
            "mode": batchSize == 1 ? "one_task_per_request" : "batched_\(batchSize)",
            "submitters": submitters, "tasks": total, "seconds": elapsed,
            "tasks_per_second": (Double(total) / elapsed).rounded(),
            "submit_to_completed_ms": Stats(latencies.withLock { $0 }).json,
        ]
    }
}

/// Median and tail of a sample.
struct Stats {
    let sorted: [Double]
    init(_ values: [Double]) { sorted = values.sorted() }
    func percentile(_ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up))) // nearest rank
        return sorted[min(rank, sorted.count) - 1]
    }
    var json: [String: Any] {
        ["p50": (percentile(50) * 1000).rounded() / 1000, "p99": (percentile(99) * 1000).rounded() / 1000, "count": sorted.count]
    }
}

/// The orchestrator under test, in this process, on a free loopback port.
struct BenchServer {
    let port: Int

    static func start(dataDir: String, durability: Durability) throws -> BenchServer {
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = dataDir
        config.server.durability = durability
        let port = Atomic<Int>(0)
        let ready = DispatchSemaphore(value: 0)
        Task {
            let app = try await buildApplication(ServerArguments(config: config, logLevel: .error)) { bound in
                port.store(bound, ordering: .sequentiallyConsistent)
                ready.signal()
            }
            try await app.run()
        }
        ready.wait()
        return BenchServer(port: port.load(ordering: .sequentiallyConsistent))
    }
}
