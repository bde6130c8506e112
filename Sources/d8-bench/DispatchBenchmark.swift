import ArgumentParser
import D8Core
import D8Harness
import Dispatch
import Foundation
import Synchronization

/// End-to-end throughput and latency of a release `d8 serve` process with its durable store, in
/// both durability modes, driven over loopback HTTP by simulated workers (long-poll, batch
/// leases) and concurrent submitters in this process. Next to tasks/s: the orchestrator's own
/// CPU time (user + system, from /proc) per completed task. The baseline is `GET /health` on
/// the same server: the cost of any request that does no work.
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

    @Option(help: "server.durability to measure: disk, process, or both (default: both for sqlite, disk for postgres).")
    var durability: String?

    @Option(help: "The store: sqlite (one d8 serve) or postgres (--nodes d8 serve processes on one fresh database, with a SQLite baseline measured in the same run).")
    var store = "sqlite"

    @Option(help: "With --store postgres: the d8 serve nodes sharing the database (more than 1: a 1-node run is measured too, for the ratio).")
    var nodes = 1

    @Option(help: "With --store postgres: a PostgreSQL whose role may create databases (default: a throwaway cluster made with scripts/postgres.sh and stopped at the end).")
    var postgresUrl: String?

    @Option(help: "With --postgres-url: its cluster's folder (scripts/postgres.sh DIR), so that PostgreSQL's CPU time can be read.")
    var postgresDir: String?

    @Option(help: "The d8 executable (default: beside this one; `swift build -c release` builds both).")
    var d8: String?

    @Option(help: "Folder holding libd8_echo.so, for the echo worker type's price.")
    var pluginsDir = "./Plugins"

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func validate() throws {
        guard ["sqlite", "postgres"].contains(store) else { throw ValidationError("--store takes sqlite or postgres") }
        guard nodes >= 1 else { throw ValidationError("--nodes takes a number from 1") }
        if store == "sqlite", nodes != 1 || postgresUrl != nil { throw ValidationError("--nodes and --postgres-url need --store postgres") }
    }

    var modes: [Durability] {
        let chosen = durability ?? (store == "postgres" ? "disk" : "both")
        return chosen == "both" ? Durability.allCases : [Durability(rawValue: chosen)].compactMap { $0 }
    }

    func run() throws {
        let modes = self.modes
        guard !modes.isEmpty else { throw ValidationError("--durability takes disk, process or both") }
        if store == "postgres" { return try runCluster(modes: modes) }
        var results: [[String: Any]] = []
        var dispatch: [String: Any] = [:]
        var floor: [String: Any] = [:]
        var resultsBatchEndpoint = false
        for mode in modes {
            let server = try BenchServer.start(durability: mode.rawValue, binary: d8, pluginsDir: pluginsDir)
            defer { server.stop() }
            // One task per submit with results one per request, then with results in batches
            // (what `d8 worker` sends), then everything batched.
            for (batched, resultsInBatches) in [(false, false), (false, true), (true, true)] {
                for submitters in [1, 16] {
                    let scenario = Scenario(ports: [server.port], meter: ServingCPU(server: server), submitters: submitters, workers: workers,
                                            tasks: batched ? batchedTasks : tasks, batchSize: batched ? batchSize : 1,
                                            resultsInBatches: resultsInBatches)
                    var result = scenario.run()
                    result["durability"] = mode.rawValue
                    if resultsInBatches { resultsBatchEndpoint = result["results_batched"] as? Bool ?? false }
                    results.append(result)
                }
            }
            dispatch[mode.rawValue] = measureDispatchLatency(submitPort: server.port, workerPort: server.port)
            floor[mode.rawValue] = measureRequestFloor(server: server)
        }
        let report: [String: Any] = [
            "benchmark": "dispatch", "cores": ProcessInfo.processInfo.activeProcessorCount,
            "store": "sqlite WAL, group commit; durability disk = synchronous=FULL, process = NORMAL",
            "workers": workers, "throughput": results, "dispatch_latency_ms": dispatch,
            "request_floor": floor,
            "orchestrator_cpu": "orchestrator_cpu_ms_per_task: user + system CPU of the d8 serve process over the scenario, per completed task",
            "results_batch_endpoint": resultsBatchEndpoint ? "POST /api/workers/{id}/results used" : "POST /api/workers/{id}/results absent: one result per request",
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// What any request costs the orchestrator, whatever it does: 16 connections asking
    /// `GET /health` (answered from counters), its CPU time per request. A task needs at least a
    /// submit and a result, so twice this bounds the CPU per task from below at that load.
    func measureRequestFloor(server: BenchServer, requests: Int = 32_000, connections: Int = 16) -> [String: Any] {
        let cpuBefore = server.usage.cpuSeconds ?? .nan
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: connections) { _ in
            let connection = RawHTTPConnection.connected(port: server.port)
            for _ in 0..<(requests / connections) { _ = connection.request("GET", "/health") }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = (server.usage.cpuSeconds ?? .nan) - cpuBefore
        return [
            "connections": connections, "requests": requests, "requests_per_second": (Double(requests) / elapsed).rounded(),
            "health_cpu_ms_per_request": (cpu / Double(requests) * 1e6).rounded() / 1000,
        ]
    }

    /// An idle long-polling worker has the task, timed from the start of the submit (the
    /// store's commit included) and, as before, from the submitter reading its 201.
    /// With two ports: submitted to one node, taken by a worker long-polling the other.
    func measureDispatchLatency(submitPort: Int, workerPort: Int) -> [String: Any] {
        let submitter = RawHTTPConnection.connected(port: submitPort)
        let worker = RawHTTPConnection.connected(port: workerPort)
        _ = worker.request("POST", "/api/workers/register", json: ["worker_id": "latency-probe", "worker_type": "echo", "capabilities": ["slots": 1]])
        var fromStart: [Double] = [], fromAnswer: [Double] = [], health: [Double] = []
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
            let started = DispatchTime.now().uptimeNanoseconds
            _ = submitter.request("POST", "/api/tasks/submit", json: ["type": "echo", "data": ["prompt": "probe"]])
            let answered = DispatchTime.now().uptimeNanoseconds
            group.wait()
            let had = Double(polled.load(ordering: .sequentiallyConsistent))
            fromStart.append((had - Double(started)) / 1e6)
            // Negative: the worker had the task before the submitter read its 201.
            fromAnswer.append((had - Double(answered)) / 1e6)
        }
        return [
            "samples": samples,
            "submit_started_to_worker_has_task": Stats(fromStart).json,
            "submit_answered_to_worker_has_task": Stats(fromAnswer).json,
            "baseline_health_round_trip": Stats(health).json,
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
