import ArgumentParser
import D8Client
import D8Core

/// `d8 stats`: the orchestrator's counters, per task type and worker type, and the budgets.
struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the orchestrator's statistics: workers, tasks, costs and budgets.")

    @Flag(help: "Print the orchestrator's JSON.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run { client in
            let stats = try await client.stats()
            if json { printJSON(stats) } else { print(Self.text(OrchestratorStats(json: stats)), terminator: "") }
        }
    }

    static func text(_ stats: OrchestratorStats) -> String {
        let workers = stats.workers, tasks = stats.tasks
        var out = "Workers: \(workers.total) (online \(workers.online), busy \(workers.busy))\n"
        let statuses = ["pending", "assigned", "held", "completed", "failed", "dead", "cancelled", "expired"]
        out += "Tasks:   \(stats.totalTasks) (\(statuses.filter { tasks[$0] != nil }.map { "\($0) \(tasks[$0, default: 0])" }.joined(separator: ", ")))\n"
        out += "Success: \(Format.percent(stats.successRate))\n"
        if !stats.taskTypes.isEmpty { out += "\n" + taskTypeTable(stats.taskTypes) }
        if !stats.workerTypes.isEmpty { out += "\n" + workerTypeTable(stats.workerTypes) }
        if let cost = stats.cost { out += costText(cost) }
        return out
    }

    static func taskTypeTable(_ types: [String: OrchestratorStats.TaskType]) -> String {
        var table = Table(
            header: ["TASK TYPE", "PENDING", "ASSIGNED", "COMPLETED", "FAILED", "DEAD", "CANCELLED", "SUCCESS", "WAIT p50", "WAIT p99", "RUN p50", "RUN p99"],
            rightAligned: Set(1...11))
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            let wait = type.queueWait, run = type.runTime
            table.rows.append([name] + ["pending", "assigned", "completed", "failed", "dead", "cancelled"].map { Format.count(type.counts[$0]) } + [
                Format.percent(type.successRate),
                Format.seconds(wait?.p50), Format.seconds(wait?.p99), Format.seconds(run?.p50), Format.seconds(run?.p99),
            ])
        }
        return table.text
    }

    static func workerTypeTable(_ types: [String: OrchestratorStats.WorkerType]) -> String {
        var table = Table(header: ["WORKER TYPE", "WORKERS", "BUSY SLOTS", "FREE SLOTS", "COMPLETED", "FAILED", "COST"], rightAligned: Set(1...6))
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            table.rows.append([name] + [type.workers, type.busySlots, type.freeSlots, type.completed, type.failed].map(String.init) + [
                Format.usd(type.costUSD),
            ])
        }
        return table.text
    }

    /// Today's spending and the budgets, when the orchestrator reports them.
    static func costText(_ cost: OrchestratorStats.Cost) -> String {
        var out = "\nSpent today: \(Format.usd(cost.spentTodayUSD))\n"
        guard !cost.budgets.isEmpty else { return out }
        var table = Table(header: ["BUDGET", "PERIOD", "LIMIT", "SPENT", "RESERVED", "REMAINING"], rightAligned: Set(2...5))
        for budget in cost.budgets {
            table.rows.append([budget.scope, budget.period]
                + [budget.limitUSD, budget.spentUSD, budget.reservedUSD].map(Format.usd) + [Format.usd(budget.remainingUSD)])
        }
        return out + "\n" + table.text
    }
}
