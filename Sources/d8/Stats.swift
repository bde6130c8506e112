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
            if json { printJSON(stats) } else { print(Self.text(stats), terminator: "") }
        }
    }

    static func text(_ stats: JSONValue) -> String {
        let workers = stats["workers"], tasks = stats["tasks"]
        func counts(_ object: JSONValue?, _ keys: [String]) -> String {
            keys.compactMap { key in object?[key].map { "\(key) \(Format.count($0))" } }.joined(separator: ", ")
        }
        var out = "Workers: \(Format.count(workers?["total"])) (\(counts(workers, ["online", "busy"])))\n"
        out += "Tasks:   \(Format.count(tasks?["total"])) (\(counts(tasks, ["pending", "assigned", "held", "completed", "failed", "dead", "cancelled"])))\n"
        out += "Success: \(Format.percent(stats["performance"]?["success_rate"]?.doubleValue))\n"
        if let taskTypes = stats["task_types"]?.objectValue, !taskTypes.isEmpty { out += "\n" + taskTypeTable(taskTypes) }
        if let workerTypes = stats["worker_types"]?.objectValue, !workerTypes.isEmpty { out += "\n" + workerTypeTable(workerTypes) }
        if let cost = stats["cost"] { out += costText(cost) }
        return out
    }

    static func taskTypeTable(_ types: [String: JSONValue]) -> String {
        var table = Table(
            header: ["TASK TYPE", "PENDING", "ASSIGNED", "COMPLETED", "FAILED", "DEAD", "CANCELLED", "SUCCESS", "WAIT p50", "WAIT p99", "RUN p50", "RUN p99"],
            rightAligned: Set(1...11))
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            let counts = type["counts"]
            let wait = type["queue_wait_s"], run = type["run_time_s"]
            table.rows.append([name] + ["pending", "assigned", "completed", "failed", "dead", "cancelled"].map { Format.count(counts?[$0]) } + [
                Format.percent(type["success_rate"]?.doubleValue),
                Format.seconds(wait?["p50"]?.doubleValue), Format.seconds(wait?["p99"]?.doubleValue),
                Format.seconds(run?["p50"]?.doubleValue), Format.seconds(run?["p99"]?.doubleValue),
            ])
        }
        return table.text
    }

    static func workerTypeTable(_ types: [String: JSONValue]) -> String {
        var table = Table(header: ["WORKER TYPE", "WORKERS", "BUSY SLOTS", "FREE SLOTS", "COMPLETED", "FAILED", "COST"], rightAligned: Set(1...6))
        for (name, type) in types.sorted(by: { $0.key < $1.key }) {
            table.rows.append([name] + ["workers", "busy_slots", "free_slots", "completed", "failed"].map { Format.count(type[$0]) } + [
                Format.usd(type["cost_usd"]?.doubleValue),
            ])
        }
        return table.text
    }

    /// `cost.spent_today_usd` and the `cost.budgets`, when the orchestrator reports them.
    static func costText(_ cost: JSONValue) -> String {
        var out = ""
        if let spent = cost["spent_today_usd"]?.doubleValue { out += "\nSpent today: \(Format.usd(spent))\n" }
        guard let budgets = cost["budgets"]?.arrayValue, !budgets.isEmpty else { return out }
        var table = Table(header: ["BUDGET", "PERIOD", "LIMIT", "SPENT", "RESERVED", "REMAINING"], rightAligned: Set(2...5))
        for budget in budgets {
            table.rows.append([budget["scope"]?.stringValue ?? "-", budget["period"]?.stringValue ?? "-"]
                + ["limit_usd", "spent_usd", "reserved_usd", "remaining_usd"].map { Format.usd(budget[$0]?.doubleValue) })
        }
        return out + "\n" + table.text
    }
}
