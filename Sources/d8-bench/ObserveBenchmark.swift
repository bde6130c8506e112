import ArgumentParser
import D8Core
import D8Harness
import Dispatch
import Foundation
import Synchronization

/// The cost of being watched: dispatch throughput and the orchestrator's CPU per task with
/// metrics off, with metrics on, and with metrics on while a dashboard refreshes every second
/// and Prometheus scrapes every second. Then the time of one `/metrics` scrape with 10,000 tasks
/// in the store.
struct ObserveBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "observe", abstract: "What metrics and an open dashboard cost.")

    @Option(help: "Tasks per run, one per submit (16 submitters).")
    var tasks = 6_000

    @Option(help: "Runs of each setting (the median is reported; settings take turns).")
    var runs = 3

    @Option(help: "The d8 executable (default: beside this one).")
    var d8: String?

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    enum Setting: String, CaseIterable { case metricsOff = "metrics_off", metricsOn = "metrics_on", watched = "metrics_on_dashboard_and_scrapes" }

    func run() throws {
        var samples: [Setting: [(rate: Double, cpu: Double)]] = [:]
        for _ in 0..<runs {
            for setting in Setting.allCases {
                let server = try BenchServer.start(durability: "process", binary: d8, metrics: setting != .metricsOff)
                defer { server.stop() }
                let watcher = setting == .watched ? Watcher(port: server.port) : nil
                let result = Scenario(server: server, submitters: 16, workers: 4, tasks: tasks, batchSize: 1, resultsInBatches: true).run()
                watcher?.stop()
                guard let rate = result["tasks_per_second"] as? Double, let cpu = result["orchestrator_cpu_ms_per_task"] as? Double else {
                    throw ProcessFailure("the scenario reported no rate or CPU: \(result)")
                }
                samples[setting, default: []].append((rate, cpu))
            }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var settings: [String: Any] = [:]
        let base = samples[.metricsOff]!
        for setting in Setting.allCases {
            let mine = samples[setting]!
            settings[setting.rawValue] = [
                "tasks_per_second_median": median(mine.map(\.rate)), "cpu_ms_per_task_median": median(mine.map(\.cpu)),
                "tasks_per_second_vs_off": median(mine.map(\.rate)) / median(base.map(\.rate)),
                "cpu_per_task_vs_off": median(mine.map(\.cpu)) / median(base.map(\.cpu)),
                // The spread says how far a difference between medians can be trusted.
                "tasks_per_second_runs": mine.map(\.rate), "cpu_ms_per_task_runs": mine.map(\.cpu),
            ]
        }
        let report: [String: Any] = [
            "benchmark": "observe", "cores": ProcessInfo.processInfo.activeProcessorCount, "durability": "process",
            "scenario": "\(tasks) tasks, one per submit, 16 submitters, 4 simulated workers, results batched; \(runs) runs each, settings in turn",
            "settings": settings, "scrape_with_10000_tasks_ms": try scrapeTime(),
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    /// Median time of `/metrics` over 20 scrapes with 10,000 tasks stored (half pending).
    func scrapeTime() throws -> [String: Any] {
        let server = try BenchServer.start(durability: "process", binary: d8)
        defer { server.stop() }
        let connection = RawHTTPConnection.connected(port: server.port)
        for _ in 0..<20 {
            let tasks: [JSONValue] = (0..<500).map { _ in ["type": "echo", "data": ["prompt": .string(String(repeating: "x", count: 200))]] }
            _ = connection.request("POST", "/api/tasks/batch", json: ["tasks": .array(tasks)])
        }
        _ = connection.request("POST", "/api/workers/register", json: ["worker_id": "scrape-w", "worker_type": "echo", "capabilities": ["slots": 1000]])
        let leased = connection.request("GET", "/api/workers/scrape-w/tasks?wait=0&max=1000").body["tasks"]?.arrayValue ?? []
        let results: [JSONValue] = leased.map { ["task_id": $0["task_id"] ?? .null, "lease": $0["lease"] ?? .null, "result": ["success": true, "output": "ok"]] }
        _ = connection.request("POST", "/api/workers/scrape-w/results", json: ["results": .array(results)])
        var times: [Double] = []
        for _ in 0..<20 {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = connection.request("GET", "/metrics")
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return ["tasks_stored": 10_000, "pending": 10_000 - leased.count, "median": (times[10] * 1000).rounded() / 1000, "max": (times[19] * 1000).rounded() / 1000]
    }
}

/// A dashboard left open and a Prometheus scraping, each once a second, until stopped.
final class Watcher: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()

    init(port: Int) {
        done.enter()
        Thread { [self] in
            let connection = RawHTTPConnection.connected(port: port)
            while !stopped.load(ordering: .relaxed) {
                _ = connection.request("GET", "/ui?fragment=1")
                _ = connection.request("GET", "/metrics")
                Thread.sleep(forTimeInterval: 1)
            }
            done.leave()
        }.start()
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        done.wait()
    }
}
