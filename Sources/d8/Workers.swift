import ArgumentParser
import D8Client
import D8Core
import Foundation

/// `d8 workers`: the registered workers and how busy they are.
struct Workers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the workers registered with the orchestrator.")

    @Flag(help: "Print the orchestrator's JSON.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run { client in
            let answer = try await client.workers()
            if json { printJSON(answer) } else { print(Self.text(answer), terminator: "") }
        }
    }

    static func text(_ answer: JSONValue, now: Double = Date().timeIntervalSince1970) -> String {
        let workers = answer["workers"]?.arrayValue ?? []
        guard !workers.isEmpty else { return "No workers registered.\n" }
        var table = Table(header: ["WORKER", "TYPE", "STATUS", "SLOTS", "COMPLETED", "FAILED", "LAST SEEN"], rightAligned: [3, 4, 5])
        for worker in workers {
            table.rows.append([
                worker["worker_id"]?.stringValue ?? "-", worker["worker_type"]?.stringValue ?? "-", worker["status"]?.stringValue ?? "-",
                "\(Format.count(worker["busy_slots"]))/\(Format.count(worker["slots"]))",
                Format.count(worker["tasks_completed"]), Format.count(worker["tasks_failed"]),
                Format.ago(worker["last_heartbeat"]?.doubleValue, now: now),
            ])
        }
        return table.text + "\(workers.count) worker\(workers.count == 1 ? "" : "s")\n"
    }
}
