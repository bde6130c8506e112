import ArgumentParser
import D8Client
import D8Core
import D8Harness
import D8Wire
import Foundation

/// The promise under fire: a real `d8 serve` (disk durability) and four `d8 worker` processes
/// with the Echo plugin, steady submits, and SIGKILLs of the orchestrator and of workers at
/// seeded random moments, each restarted. Afterwards, from the store's file and the Echo
/// plugins' execution log: every task answered is completed exactly once, none is lost,
/// duplicated or stuck. The kills reported are the ones that landed.
struct ChaosRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chaos", abstract: "Kill the orchestrator and workers under load; check that no accepted task is lost or duplicated.")

    @Option(help: "Tasks to submit.")
    var tasks = 2_000

    @Option(help: "Seconds over which the tasks are submitted (and the kills happen).")
    var duration = 20.0

    @Option(help: "SIGKILLs of the orchestrator (each restarted on the same port and data).")
    var orchestratorKills = 2

    @Option(help: "SIGKILLs of workers (each restarted; it registers again by itself).")
    var workerKills = 4

    @Option(help: "Seed of the kill schedule and the workers' delays.")
    var seed: UInt64 = 1

    @Option(help: "Concurrent submitters.")
    var submitters = 8

    @Option(help: "Seconds to wait, after the load, for every task to finish.")
    var drainTimeout = 60.0

    @Option(help: "Folder holding libd8_echo.so (`make plugins` stages it).")
    var pluginsDir = "./Plugins"

    @Option(help: "The store: sqlite (one orchestrator, the default) or postgres (--nodes d8 serve processes on one fresh database).")
    var store = "sqlite"

    @Option(help: "With --store postgres: the d8 serve nodes; --orchestrator-kills then kills nodes at random.")
    var nodes = 3

    @Option(help: "With --store postgres: crash-restarts of PostgreSQL (scripts/postgres.sh restart-immediate), spread over the load.")
    var databaseRestarts = 1

    @Option(help: "With --store postgres: a PostgreSQL whose role may create databases (default: $D8_TEST_POSTGRES_URL, else a throwaway cluster).")
    var postgresUrl: String?

    @Option(help: "With --store postgres: the folder of that cluster (scripts/postgres.sh DIR), for its restarts (default: $D8_TEST_POSTGRES_DIR).")
    var postgresDir: String?

    @Flag(help: "With --store postgres: a short run for `make test` (300 tasks over 12 s, 2 node kills, 3 worker kills; overrides those options).")
    var short = false

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func validate() throws {
        guard ["sqlite", "postgres"].contains(store) else { throw ValidationError("--store takes sqlite or postgres") }
        guard nodes >= 1 else { throw ValidationError("--nodes takes a number from 1") }
    }

    func run() async throws {
        if store == "postgres" { return try await runCluster() }
        let began = ContinuousClock.now
        var random = SeededGenerator(seed: seed)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-chaos-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let workerTypes = (0..<4).map { "echo\($0)" }
        let configPath = folder + "/d8.yaml"
        try Self.config(workerTypes: workerTypes, random: &random).write(toFile: configPath, atomically: true, encoding: .utf8)
        let pluginsDir = URL(fileURLWithPath: pluginsDir).standardizedFileURL.path

        let processes = ChaosProcesses(folder: folder, configPath: configPath, pluginsDir: pluginsDir, workerTypes: workerTypes)
        try processes.startOrchestrator()
        for index in workerTypes.indices { try processes.workers.start(index, orchestrator: processes.url) }
        let port = processes.port
        let load = ChaosLoad(tasks: tasks, duration: .seconds(duration), submitters: submitters, seed: seed) { "http://127.0.0.1:\(port)" }
        let loaded = DispatchSemaphore(value: 0)
        load.start(done: loaded)

        // The kills, at seeded moments within the load.
        var workerKillsHoldingLeases = 0
        let start = ContinuousClock.now
        var kills = (0..<orchestratorKills).map { _ in (Double.random(in: 0.1...0.9, using: &random) * duration, -1) }
            + (0..<workerKills).map { _ in (Double.random(in: 0.1...0.9, using: &random) * duration, Int.random(in: 0..<workerTypes.count, using: &random)) }
        kills.sort { $0.0 < $1.0 }
        for (at, target) in kills {
            let due = start + .milliseconds(Int64(at * 1000))
            if due > .now { try await Task.sleep(until: due) }
            let downFor = Double.random(in: 0.1...1.0, using: &random)
            if target < 0 {
                processes.killOrchestrator()
                try await Task.sleep(for: .seconds(downFor))
                try processes.startOrchestrator()
            } else {
                // The seeded worker, unless it holds no lease and another does: a kill must cost leases.
                let busy = processes.workers.busy(at: [processes.url])
                let victim = busy.isEmpty || busy.contains(target) ? target : busy.min()!
                let before = processes.workers.kills
                processes.workers.kill(victim)
                if processes.workers.kills > before, busy.contains(victim) { workerKillsHoldingLeases += 1 }
                try await Task.sleep(for: .seconds(downFor))
                try processes.workers.start(victim, orchestrator: processes.url)
            }
        }
        loaded.wait()

        let drained = waitForDrain(url: processes.url, expected: load.tally.withLock { $0.idsByKey.count })
        processes.stopAll()
        let tally = load.tally.withLock { $0 }
        let executions = try ChaosExecutions(path: processes.workers.executionLog)
        var verdict = try await ChaosVerdict.check(dataDir: folder + "/data", idsByKey: tally.idsByKey, executions: executions,
                                              orchestratorRestarted: processes.orchestratorKills > 0)
        if !drained { verdict.problems.append("the queue did not drain within \(drainTimeout)s") }
        verdict.problems += tally.refusals.map { "submit refused: \($0)" }
        if tally.idsByKey.count != tasks { verdict.problems.append("\(tasks - tally.idsByKey.count) submit(s) never answered") }

        var report: [String: Any] = [
            "benchmark": "chaos", "seed": seed, "submitted": tasks, "answered_201": tally.created,
            "answered_repeat": tally.repeated, "submit_retries": tally.retries, "completed": verdict.completed,
            "lost": verdict.lost, "duplicated": verdict.duplicated, "stuck": verdict.stuck, "failed": verdict.failed,
            "retried_tasks": verdict.retried, "stored": verdict.storedTotal,
            "executions": verdict.executions, "reexecuted_tasks": verdict.reexecuted,
            "attempts_rerun_after_restart": verdict.attemptsRerun,
            "orchestrator_kills": processes.orchestratorKills, "worker_kills": processes.workers.kills,
            "worker_kills_holding_leases": workerKillsHoldingLeases,
            "seconds": ((ContinuousClock.now - began).seconds * 10).rounded() / 10, "ok": verdict.ok,
        ]
        if !verdict.ok {
            report["problems"] = Array(verdict.problems.prefix(20))
            report["logs"] = folder
        } else {
            try? FileManager.default.removeItem(atPath: folder)
        }
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
        if !verdict.ok { throw ExitCode(1) }
    }

    /// Short timers, so a killed worker's tasks come back within seconds. max_attempts is high
    /// because every kill of a holder costs an attempt, and this run tests the kills, not retries.
    /// `priced`: each worker type has a price, so that leases reserve against a budget.
    static func config(workerTypes: [String], random: inout SeededGenerator, priced: Bool = false) -> String {
        let price = priced ? "\n    prices: { echo: { input_usd_per_mtok: 1, output_usd_per_mtok: 1 } }" : ""
        let types = workerTypes.map { type in
            "  \(type):\n    plugin: echo\n    slots: 4\n    delay_ms: \(Int.random(in: 0...50, using: &random))\(price)"
        }
        return """
            queue:
              heartbeat_interval: 500ms
              worker_timeout: 2s
              task_timeout: 10s
              retry_backoff: 50ms
              retry_backoff_max: 200ms
              max_attempts: 10
            worker_types:
            \(types.joined(separator: "\n"))
            task_types:
              chaos: { route: [\(workerTypes.joined(separator: ", "))], strategy: ordered, spill_after: 200ms }

            """
    }

    /// Waits until the store holds every answered task and none is pending, assigned or held.
    func waitForDrain(url: String, expected: Int) -> Bool {
        let endpoint = APIEndpoint(baseURL: url, token: nil)
        let deadline = ContinuousClock.now + .milliseconds(Int64(drainTimeout * 1000))
        while ContinuousClock.now < deadline {
            if case let .success(answer) = endpoint.call("GET", "/api/stats", timeout: .seconds(5)) {
                let stats = OrchestratorStats(json: answer) // d8's own states, `held` apart from `pending`
                if stats.totalTasks >= expected, ["pending", "assigned", "held"].allSatisfy({ stats.tasks[$0, default: 0] == 0 }) { return true }
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return false
    }
}
