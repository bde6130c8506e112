import D8Core
import D8Harness
import Dispatch
import Foundation
import Synchronization

/// One run of the jobs benchmark: a fresh `d8 serve` (its `echo` task type with a result cache)
/// and four real `d8 worker` processes of the Echo plugin, then on that one orchestrator: N tasks
/// as one job, the same N as separate submits and waits, and the latency of cached submits.
/// A fresh orchestrator per run keeps each run's store the same size as the others'.
struct JobsRun {
    let tasks: Int
    /// Client connections of the separate path, each submitting and then awaiting its share.
    let connections: Int
    let cacheSubmits: Int
    let workers: Int
    /// Which path goes first alternates between runs, so that neither always meets the emptier
    /// store or the colder processes.
    let jobFirst: Bool
    let durability: String
    let d8: String?
    let pluginsDir: String

    func run() throws -> [String: Any] {
        let server = try BenchServer.start(durability: durability, binary: d8, pluginsDir: pluginsDir, echoCacheTTL: "1h")
        defer { server.stop() }
        let pool = try (0..<workers).map { n in
            try WorkerProcess.start(type: "echo", config: server.configPath, orchestrator: server.serve.url, id: "jobs-\(n)",
                                    arguments: ["--log-level", "error"], pluginsDir: URL(fileURLWithPath: pluginsDir).standardizedFileURL.path,
                                    binary: server.serve.process.executableURL!)
        }
        defer { for worker in pool { worker.kill() } }
        try waitForWorkers(port: server.port)
        let meter = CPUMeter(orchestrator: server.usage, workers: pool.map { ProcessUsage(pid: $0.process.processIdentifier) })

        // The data differ between the paths: with the cache on, the second would be all hits.
        let job = { try JobPaths(port: server.port, meter: meter).job(tasks: tasks, offset: 0) }
        let separate = { try JobPaths(port: server.port, meter: meter).separate(tasks: tasks, offset: tasks, connections: connections) }
        var result: [String: Any] = ["order": jobFirst ? "job, then separate" : "separate, then job"]
        if jobFirst {
            result["job"] = try job()
            result["separate"] = try separate()
        } else {
            result["separate"] = try separate()
            result["job"] = try job()
        }
        if let job = (result["job"] as? [String: Any])?["seconds"] as? Double, let separate = (result["separate"] as? [String: Any])?["seconds"] as? Double {
            result["separate_over_job"] = (separate / job * 100).rounded() / 100
        }
        result["cache"] = try CachedSubmits(port: server.port, meter: meter, submits: cacheSubmits).run()
        return result
    }

    /// Until every worker process has registered (they start in parallel with the first phase otherwise).
    private func waitForWorkers(port: Int) throws {
        let connection = RawHTTPConnection.connected(port: port)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if connection.request("GET", "/api/stats").body["workers"]?["online"]?.intValue ?? 0 >= workers { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ProcessFailure("\(workers) echo workers did not register within 30 s")
    }
}

/// CPU time (user + system, from /proc) of the orchestrator, of all worker processes together and
/// of this client, so that a phase can say which of them its seconds went to.
struct CPUMeter {
    let orchestrator: ProcessUsage
    let workers: [ProcessUsage]

    typealias Reading = (orchestrator: Double, workers: Double, client: Double)

    func read() -> Reading {
        (orchestrator.cpuSeconds ?? .nan, workers.reduce(0) { $0 + ($1.cpuSeconds ?? .nan) }, ProcessUsage.current.cpuSeconds ?? .nan)
    }

    /// CPU milliseconds per task (or request) since `start`, per party.
    func perItem(since start: Reading, items: Int) -> [String: Double] {
        let now = read()
        func ms(_ seconds: Double) -> Double { (seconds / Double(items) * 1e6).rounded() / 1000 }
        return ["orchestrator": ms(now.orchestrator - start.orchestrator), "workers": ms(now.workers - start.workers), "client": ms(now.client - start.client)]
    }
}

/// The final words of `status` in a task's answer.
let finalStatuses: Set<String> = ["completed", "failed"]

func elapsed(since start: ContinuousClock.Instant) -> Double { (ContinuousClock.now - start).seconds }

func round3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
