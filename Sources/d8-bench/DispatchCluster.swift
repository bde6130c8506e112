import ArgumentParser
import D8Core
import D8Harness
import D8Postgres
import Foundation

/// `d8-bench dispatch --store postgres`: the same scenarios as the SQLite run against `--nodes`
/// `d8 serve` processes sharing one fresh PostgreSQL database, next to a SQLite baseline (one
/// node) and, with more than one node, a one-node PostgreSQL run, all measured in this run, and
/// the ratios the cluster's targets are about.
extension DispatchBenchmark {
    static var targets: [String: Any] { [
        "postgres_nodes_over_1_node_tasks_per_second": ">= 1.5 (3 nodes)",
        "postgres_1_node_over_sqlite_tasks_per_second": ">= 0.5",
        "cross_node_dispatch_p99_ms": "< 50",
    ] }

    /// The throughput scenarios of the SQLite run, on these nodes.
    func suite(ports: [Int], meter: ServingCPU, mode: Durability) -> [[String: Any]] {
        var results: [[String: Any]] = []
        for (batched, resultsInBatches) in [(false, false), (false, true), (true, true)] {
            for submitters in [1, 16] {
                let scenario = Scenario(ports: ports, meter: meter, submitters: submitters, workers: workers,
                                        tasks: batched ? batchedTasks : tasks, batchSize: batched ? batchSize : 1,
                                        resultsInBatches: resultsInBatches)
                var result = scenario.run()
                result["durability"] = mode.rawValue
                results.append(result)
            }
        }
        return results
    }

    /// "batched_100/results_batched/16": a scenario's name in the summary and the ratios.
    static func key(_ result: [String: Any]) -> String {
        "\(result["mode"] ?? "?")/results_\(result["results"] ?? "?")/\(result["submitters"] ?? "?")_submitters"
    }

    func runCluster(modes: [Durability]) throws {
        let postgres = try BenchPostgres.obtain(url: postgresUrl, dir: postgresDir)
        defer { postgres.stop() }
        let version: String? = (try? postgres.query("SHOW server_version", on: postgres.url))?.first?.first
        let configurations = [("sqlite", 1)] + (nodes > 1 ? [("postgres", 1)] : []) + [("postgres", nodes)]
        func name(_ store: String, _ count: Int) -> String { store == "sqlite" ? "sqlite" : "postgres_\(count)_node\(count == 1 ? "" : "s")" }

        var runs: [String: [String: Any]] = [:] // durability → configuration → its figures
        var ratios: [String: Any] = [:]
        var met: [String: Bool] = [:]
        for mode in modes {
            var byConfiguration: [String: Any] = [:]
            var tasksPerSecond: [String: [String: Double]] = [:] // configuration → scenario → tasks/s
            var crossNodeP99: Double?
            for (store, count) in configurations {
                let configuration = name(store, count)
                let results: [[String: Any]]
                var latency: [String: Any]
                if store == "sqlite" {
                    let server = try BenchServer.start(durability: mode.rawValue, binary: d8, pluginsDir: pluginsDir)
                    defer { server.stop() }
                    results = suite(ports: [server.port], meter: ServingCPU(server: server), mode: mode)
                    latency = measureDispatchLatency(submitPort: server.port, workerPort: server.port)
                    latency["measured"] = "one node: submit and worker on the same d8 serve"
                } else {
                    let database = try postgres.freshDatabase(prefix: "d8bench")
                    let cluster = try BenchCluster.start(nodes: count, postgresURL: database, durability: mode.rawValue, binary: d8, pluginsDir: pluginsDir)
                    defer {
                        cluster.stop()
                        postgres.dropDatabases()
                    }
                    results = suite(ports: cluster.ports, meter: ServingCPU(cluster: cluster, postgres: postgres), mode: mode)
                    let workerNode = count > 1 ? 1 : 0
                    latency = measureDispatchLatency(submitPort: cluster.ports[0], workerPort: cluster.ports[workerNode])
                    latency["submit_node"] = 0
                    latency["worker_node"] = workerNode
                    latency["measured"] = count > 1
                        ? "cross-node: submitted to node 0, taken by an idle worker long-polling node 1; d8-bench's monotonic clock, from the submitter reading node 0's 201 (submit_answered_...) or sending the submit (submit_started_...) to the worker's long-poll on node 1 returning the task"
                        : "one node: submit and worker on the same d8 serve; d8-bench's monotonic clock"
                    if count > 1, let answered = latency["submit_answered_to_worker_has_task"] as? [String: Any], let p99 = answered["p99"] as? Double {
                        crossNodeP99 = p99
                    }
                }
                tasksPerSecond[configuration] = Dictionary(results.map { (Self.key($0), $0["tasks_per_second"] as? Double ?? 0) }) { a, _ in a }
                byConfiguration[configuration] = [
                    "store": store, "nodes": count, "throughput": results, "dispatch_latency_ms": latency,
                    "tasks_per_second": tasksPerSecond[configuration]!,
                ] as [String: Any]
            }
            runs[mode.rawValue] = byConfiguration

            // The ratios, per scenario; the headline is 16 submitters with results batched (what
            // `d8 worker` does), one task per submit and batched.
            func ratio(_ a: String, _ b: String) -> [String: Double] {
                guard let top = tasksPerSecond[a], let bottom = tasksPerSecond[b] else { return [:] }
                return Dictionary(uniqueKeysWithValues: top.compactMap { key, value in
                    guard let base = bottom[key], base > 0, value.isFinite else { return nil }
                    return (key, (value / base * 100).rounded() / 100)
                })
            }
            var modeRatios: [String: Any] = [:]
            let headline = ["one_task_per_request/results_batched/16_submitters", "batched_\(batchSize)/results_batched/16_submitters"]
            let pg1 = name("postgres", 1), pgN = name("postgres", nodes)
            let overSQLite = ratio(pg1, "sqlite")
            modeRatios["postgres_1_node_over_sqlite_tasks_per_second"] = overSQLite
            met["\(mode.rawValue): postgres_1_node_over_sqlite >= 0.5"] = headline.allSatisfy { (overSQLite[$0] ?? 0) >= 0.5 }
            if nodes > 1 {
                let overOne = ratio(pgN, pg1)
                modeRatios["postgres_\(nodes)_nodes_over_1_node_tasks_per_second"] = overOne
                met["\(mode.rawValue): postgres_\(nodes)_nodes_over_1_node >= 1.5"] = headline.allSatisfy { (overOne[$0] ?? 0) >= 1.5 }
            }
            if let crossNodeP99 {
                modeRatios["cross_node_dispatch_p99_ms"] = crossNodeP99
                met["\(mode.rawValue): cross_node_dispatch_p99_ms < 50"] = crossNodeP99 < 50
            }
            modeRatios["headline_scenarios"] = headline
            ratios[mode.rawValue] = modeRatios
        }

        let report: [String: Any] = [
            "benchmark": "dispatch", "store": "postgres", "nodes": nodes, "cores": ProcessInfo.processInfo.activeProcessorCount,
            "workers": workers, "tasks": tasks, "batched_tasks": batchedTasks, "batch_size": batchSize,
            "postgres": [
                "cluster": postgres.owned ? "throwaway (scripts/postgres.sh: fsync on, synchronous_commit on)" : PostgresStore.redact(postgres.url),
                "version": version ?? "unknown", "pool_per_node": 16,
                "durability": "disk: synchronous commit; process: asynchronous commit",
            ] as [String: Any],
            "runs": runs, "ratios": ratios, "targets": Self.targets, "targets_met": met,
            "load": "the SQLite run's scenarios: submitters send one task per request or batches round-robin over the nodes; worker i long-polls node i mod nodes",
            "cpu": "orchestrator_cpu_ms_per_task: user + system CPU of every d8 serve node over the scenario, per completed task; postgres_cpu_ms_per_task: the same for every process of the PostgreSQL cluster (postmaster, its children, and children that exited); total_cpu_ms_per_task: both",
            "tasks_per_second": "completed tasks/s: first submit to last result; submitted_per_second: first submit to last submit answered",
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
