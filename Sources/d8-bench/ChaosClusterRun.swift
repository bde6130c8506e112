import ArgumentParser
import D8Client
import D8Core
import D8Harness
import D8Postgres
import Foundation
import Synchronization

/// `d8-bench chaos --store postgres --nodes N`: N `d8 serve` nodes on one fresh PostgreSQL
/// database, four Echo workers each given every node's URL (in another order), clients
/// submitting to random nodes with idempotency keys (retrying on 5xx and on no answer), and at
/// seeded random moments SIGKILLs of nodes (each restarted on its port after a short pause)
/// and of workers, and crash-restarts of PostgreSQL. After the queue drains, the shared
/// database is checked (ChaosClusterVerdict).
extension ChaosRun {
    private enum Fault {
        case node(Int), worker(Int), database
    }

    func runCluster() async throws {
        let began = ContinuousClock.now
        let tasks = short ? 300 : self.tasks
        let duration = short ? 12.0 : self.duration
        let nodeKills = short ? 2 : orchestratorKills
        let workerKills = short ? 3 : self.workerKills
        var random = SeededGenerator(seed: seed)
        let environment = ProcessInfo.processInfo.environment
        let postgres = try BenchPostgres.obtain(url: postgresUrl ?? environment["D8_TEST_POSTGRES_URL"],
                                                dir: postgresDir ?? (postgresUrl == nil ? environment["D8_TEST_POSTGRES_DIR"] : nil))
        defer { postgres.stop() }
        if databaseRestarts > 0, postgres.dir == nil {
            throw ValidationError("restarting PostgreSQL needs its folder: give --postgres-dir with --postgres-url, or --database-restarts 0")
        }
        let database = try postgres.freshDatabase(prefix: "d8chaos_\(seed)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-chaos-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let workerTypes = (0..<4).map { "echo\($0)" }
        let configPath = folder + "/d8.yaml"
        try Self.clusterConfig(workerTypes: workerTypes, postgresURL: database, random: &random).write(toFile: configPath, atomically: true, encoding: .utf8)
        let pluginsDir = URL(fileURLWithPath: pluginsDir).standardizedFileURL.path

        let processes = ChaosNodes(count: nodes, folder: folder, configPath: configPath, pluginsDir: pluginsDir, workerTypes: workerTypes)
        for index in 0..<nodes { try processes.startNode(index) }
        for index in workerTypes.indices { try processes.startWorker(index) }
        let urls = processes.urls
        let load = ChaosLoad(tasks: tasks, duration: .seconds(duration), submitters: submitters, seed: seed) { urls.randomElement()! }
        let loaded = DispatchSemaphore(value: 0)
        load.start(done: loaded)

        // The faults, at seeded moments within the load; the database's restarts spread evenly.
        var workerKillsHoldingLeases = 0, databaseRestartsDone = 0
        var databaseRestartSeconds: [Double] = []
        let start = ContinuousClock.now
        var faults: [(Double, Fault)] = (0..<nodeKills).map { _ in (Double.random(in: 0.1...0.9, using: &random) * duration, Fault.node(Int.random(in: 0..<nodes, using: &random))) }
            + (0..<workerKills).map { _ in (Double.random(in: 0.1...0.9, using: &random) * duration, Fault.worker(Int.random(in: 0..<workerTypes.count, using: &random))) }
            + (0..<databaseRestarts).map { (Double($0 + 1) / Double(databaseRestarts + 1) * duration, Fault.database) }
        faults.sort { $0.0 < $1.0 }
        var timeline: [String] = []
        for (at, fault) in faults {
            let due = start + .milliseconds(Int64(at * 1000))
            if due > .now { try await Task.sleep(until: due) }
            let downFor = Double.random(in: 0.1...1.0, using: &random)
            let when = String(format: "%.1fs", (ContinuousClock.now - start).seconds)
            switch fault {
            case let .node(index):
                processes.killNode(index)
                timeline.append("\(when) kill node \(index) (:\(processes.ports[index])), down \(String(format: "%.1f", downFor))s")
                try await Task.sleep(for: .seconds(downFor))
                try processes.startNode(index)
            case let .worker(target):
                let busy = processes.workers.busy(at: processes.urls)
                let victim = busy.isEmpty || busy.contains(target) ? target : busy.min()!
                let before = processes.workers.kills
                processes.workers.kill(victim)
                if processes.workers.kills > before, busy.contains(victim) { workerKillsHoldingLeases += 1 }
                timeline.append("\(when) kill worker \(workerTypes[victim])\(busy.contains(victim) ? " (holding leases)" : ""), down \(String(format: "%.1f", downFor))s")
                try await Task.sleep(for: .seconds(downFor))
                try processes.startWorker(victim)
            case .database:
                let took = try postgres.restartImmediate()
                databaseRestartsDone += 1
                databaseRestartSeconds.append((took * 10).rounded() / 10)
                timeline.append("\(when) restart-immediate PostgreSQL (\(String(format: "%.1f", took))s)")
            }
        }
        loaded.wait()
        let loadSeconds = (ContinuousClock.now - start).seconds

        let expected = load.tally.withLock { $0.idsByKey.count }
        let drained = waitForClusterDrain(postgres: postgres, database: database, expected: expected)
        let exited = processes.exitedNodes
        processes.stopAll()
        let tally = load.tally.withLock { $0 }
        let executions = try ChaosExecutions(path: processes.workers.executionLog)
        var verdict = try ChaosClusterVerdict.check(postgres: postgres, database: database, idsByKey: tally.idsByKey, executions: executions)
        if !drained { verdict.problems.append("the queue did not drain within \(drainTimeout)s") }
        verdict.problems += tally.refusals.map { "submit refused: \($0)" }
        verdict.problems += tally.internalErrors.map { "submit answered 500: \($0)" }
        verdict.problems += exited.map { "node \($0.0) exited by itself with status \($0.1)" }
        if tally.idsByKey.count != tasks { verdict.problems.append("\(tasks - tally.idsByKey.count) submit(s) never answered") }

        var report: [String: Any] = [
            "benchmark": "chaos", "store": "postgres", "nodes": nodes, "seed": seed, "short": short, "submitted": tasks,
            "answered_201": tally.created, "answered_repeat": tally.repeated, "submit_retries": tally.retries,
            "submit_failures": tally.failures, "completed": verdict.completed, "lost": verdict.lost, "duplicated": verdict.duplicated,
            "stuck": verdict.stuck, "failed": verdict.failed, "unanswered_rows": verdict.unanswered, "retried_tasks": verdict.retried,
            "stored": verdict.storedTotal, "completion_rows": verdict.completionRows, "executions": verdict.executions,
            "reexecuted_tasks": verdict.reexecuted, "tasks_holding_reservations": verdict.reservingTasks,
            "node_kills": processes.nodeKills, "worker_kills": processes.workers.kills, "worker_kills_holding_leases": workerKillsHoldingLeases,
            "database_restarts": databaseRestartsDone, "database_restart_seconds": databaseRestartSeconds, "faults": timeline,
            "load_seconds": (loadSeconds * 10).rounded() / 10,
            "seconds": ((ContinuousClock.now - began).seconds * 10).rounded() / 10, "ok": verdict.ok,
            "checks": [
                "every answered task is completed in tasks, with one completions row of the same attempt",
                "each idempotency key maps to exactly one row, the id its answers gave; no row nobody was answered for",
                "per task, the attempts the workers ran grew, the completing lease ran, and it was the last attempt run",
                "after the drain no task is unfinished and none holds reserved_usd",
            ],
        ]
        if !verdict.ok {
            report["problems"] = Array(verdict.problems.prefix(30))
            report["problem_count"] = verdict.problems.count
            report["logs"] = folder
            // Keep the database for a look, unless it is a throwaway cluster about to go.
            if !postgres.owned {
                report["database"] = PostgresStore.redact(database)
                postgres.keepDatabases()
            }
        } else {
            try? FileManager.default.removeItem(atPath: folder)
            postgres.dropDatabases()
        }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if !verdict.ok { throw ExitCode(1) }
    }

    /// The SQLite run's timers and workers, as cluster nodes: a short node timeout (a killed
    /// node's tasks return within seconds), and a budget with priced worker types, so that
    /// leases reserve money the check can find left over.
    static func clusterConfig(workerTypes: [String], postgresURL: String, random: inout SeededGenerator) -> String {
        """
        server:
          store: postgres
          postgres:
            url: \(postgresURL)
            pool: 8
            timeout: 5s
            node_timeout: 3s
        budgets:
          daily_usd: 1000000

        """ + config(workerTypes: workerTypes, random: &random, priced: true)
    }

    /// Waits until `tasks` holds every answered task and none is pending, assigned or held,
    /// reading the database itself (any node's view is its own).
    func waitForClusterDrain(postgres: BenchPostgres, database: String, expected: Int) -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(drainTimeout * 1000))
        while ContinuousClock.now < deadline {
            if let row = try? postgres.query("SELECT count(*), count(*) FILTER (WHERE status IN ('pending', 'assigned', 'held')) FROM tasks", on: database).first,
               row.count == 2, let total = Int(row[0]), let unfinished = Int(row[1]), total >= expected, unfinished == 0 {
                return true
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return false
    }
}
