import ArgumentParser
import D8Client
import D8Core
import Foundation

/// `d8 queue`: the pending tasks in the order they would be dispatched now.
struct Queue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the pending tasks in dispatch order, with counts per type.")

    @Flag(help: "Print the orchestrator's JSON.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run { client in
            let answer = try await client.queue()
            if json { printJSON(answer) } else { print(Self.text(answer), terminator: "") }
        }
    }

    static func text(_ answer: JSONValue, now: Double = Date().timeIntervalSince1970) -> String {
        let tasks = answer["tasks"]?.arrayValue ?? []
        let total = answer["total"]?.intValue ?? tasks.count
        guard total > 0 else { return "The queue is empty.\n" }
        var table = Table(header: ["TASK", "TYPE", "PRIORITY", "EFFECTIVE", "ATTEMPT", "WAITING", "RETRY IN"], rightAligned: [2, 3, 4, 5, 6])
        for task in tasks {
            let retry = task["retry_at"]?.doubleValue.flatMap { $0 > now ? Format.duration($0 - now) : nil } ?? "-"
            table.rows.append([
                task["task_id"]?.stringValue ?? "-", task["type"]?.stringValue ?? "-", Format.count(task["priority"]),
                Format.count(task["effective_priority"]), Format.count(task["attempt"]),
                task["created_at"]?.doubleValue.map { Format.duration(max(0, now - $0)) } ?? "-", retry,
            ])
        }
        let byType = (answer["by_type"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key) \(Format.count($0.value))" }
        let shown = tasks.count < total ? " (the first \(tasks.count) shown)" : ""
        return table.text + "\(total) pending\(shown): \(byType.joined(separator: ", "))\n"
    }
}
