import ArgumentParser
import Foundation

/// What a job buys a client: N Echo tasks as one `POST /api/jobs` and one long-poll, against the
/// same N as separate submits and task long-polls from 16 connections, on one release `d8 serve`
/// (SQLite store) with four real `d8 worker` processes; and how fast the result cache answers a
/// repeated submit. Medians over the runs, with every run's figures beside them.
struct JobsBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "jobs", abstract: "A job of N tasks against N separate submits; cache-hit submit latency.")

    @Option(help: "Tasks in the job, and separate submits (a job holds at most 10,000).")
    var tasks = 10_000

    @Option(help: "Client connections of the separate submits and waits.")
    var connections = 16

    @Option(help: "Timed cache-hit submits, and as many misses for the baseline.")
    var cacheSubmits = 2_000

    @Option(help: "Runs, each on a fresh orchestrator and workers (medians are reported).")
    var runs = 3

    @Option(help: "d8 worker processes (Echo, 16 slots each).")
    var workers = 4

    @Option(help: "server.durability: disk (the default config's) or process.")
    var durability = "disk"

    @Option(help: "The d8 executable (default: beside this one; `swift build -c release` builds both).")
    var d8: String?

    @Option(help: "Folder holding libd8_echo.so (`make plugins` stages it).")
    var pluginsDir = "./Plugins"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard (1...10_000).contains(tasks) else { throw ValidationError("--tasks must be 1 to 10000 (a job's limit)") }
        guard runs >= 1, connections >= 1, cacheSubmits >= 1, workers >= 1 else { throw ValidationError("--runs, --connections, --cache-submits and --workers must be at least 1") }
    }

    func run() throws {
        let results = try (0..<runs).map { n in
            try JobsRun(tasks: tasks, connections: connections, cacheSubmits: cacheSubmits, workers: workers, jobFirst: n % 2 == 0,
                        durability: durability, d8: d8, pluginsDir: pluginsDir).run()
        }
        let report: [String: Any] = [
            "benchmark": "jobs", "cores": ProcessInfo.processInfo.activeProcessorCount, "tasks": tasks, "runs": runs,
            "orchestrator": "one release d8 serve per run, SQLite store, durability \(durability); echo task type with cache: { ttl: 1h }",
            "workers": "\(workers) d8 worker processes, Echo plugin (C, delay 0), 16 slots each",
            "job_path": "POST /api/jobs with all tasks, then GET /api/jobs/{id}?wait=60&results=true until done: true",
            "separate_path": "\(connections) keep-alive connections; each POSTs /api/tasks/submit for its share, then GET /api/tasks/status/{id}?wait=60 for each until completed/failed",
            "cache_path": "one keep-alive connection: \(cacheSubmits) submits of a completed task's data (hits), then \(cacheSubmits) of new data (misses, run by the workers meanwhile)",
            "data": "the two paths submit different data (the cache would answer the second otherwise); which goes first alternates by run",
            "cpu_ms_per_task": "user + system CPU of the orchestrator, of all worker processes and of this client over the phase, per task",
            "median": medians(results), "each_run": results,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            printText(medians(results))
        }
    }

    /// The median of each headline figure across the runs.
    func medians(_ results: [[String: Any]]) -> [String: Any] {
        func median(_ keys: String...) -> Double {
            let values = results.compactMap { run in
                keys.reduce(run as Any?) { ($0 as? [String: Any])?[$1] } as? Double
            }.sorted()
            guard !values.isEmpty else { return .nan }
            return round3(values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2)
        }
        let hitP50 = median("cache", "hit_submit_ms", "p50")
        return [
            "job_seconds": median("job", "seconds"), "job_tasks_per_second": median("job", "tasks_per_second").rounded(),
            "separate_seconds": median("separate", "seconds"), "separate_tasks_per_second": median("separate", "tasks_per_second").rounded(),
            "separate_over_job": (median("separate_over_job") * 100).rounded() / 100,
            "cache_hit_submit_ms": ["p50": hitP50, "p99": median("cache", "hit_submit_ms", "p99")],
            "cache_miss_submit_ms": ["p50": median("cache", "miss_submit_ms", "p50"), "p99": median("cache", "miss_submit_ms", "p99")],
            "cache_hit_p50_under_1ms": hitP50 < 1,
        ]
    }

    private func printText(_ m: [String: Any]) {
        let hit = m["cache_hit_submit_ms"] as? [String: Double] ?? [:], miss = m["cache_miss_submit_ms"] as? [String: Double] ?? [:]
        print("""
            d8 jobs benchmark: \(tasks) Echo tasks, \(workers) d8 workers, durability \(durability), median of \(runs) runs
              one job:            \(m["job_seconds"]!) s  (\(String(format: "%.0f", m["job_tasks_per_second"] as? Double ?? 0)) tasks/s)
              separate submits:   \(m["separate_seconds"]!) s  (\(String(format: "%.0f", m["separate_tasks_per_second"] as? Double ?? 0)) tasks/s, \(connections) connections)
              separate / job:     \(m["separate_over_job"]!)
              cache-hit submit:   p50 \(hit["p50"] ?? .nan) ms, p99 \(hit["p99"] ?? .nan) ms  (\(cacheSubmits) submits)
              cache-miss submit:  p50 \(miss["p50"] ?? .nan) ms, p99 \(miss["p99"] ?? .nan) ms
            (--json for every run's figures)
            """)
    }
}
