import ArgumentParser
import D8Client
import D8Core
import Foundation

/// What `submit --wait` and `status` show of a task, and how they wait for it.
enum TaskReport {
    /// Waits with the long-poll, showing progress on a terminal.
    static func wait(_ client: D8Client, for id: String, timeout: Double) async throws(D8ClientError) -> TaskStatus {
        let line = ProgressLine.onTerminal()
        defer { line?.finish() }
        var progress: (@Sendable (TaskStatus) -> Void)?
        if let line {
            line.update(try await client.status(id)) // at once, not after the first poll
            progress = { line.update($0) }
        }
        return try await client.wait(for: id, timeout: .milliseconds(Int64(timeout * 1000)), progress: progress)
    }

    /// The result as a person wants it: an evolution task's genome, an LLM task's text, or the
    /// whole result.
    static func resultText(_ status: TaskStatus) -> String {
        if let genome = status.result?["genome"] { return genome.jsonString }
        if let output = status.output { return output }
        return status.result?.jsonString ?? "null"
    }

    /// Exit 1, with the reason on stderr, when the task finished without a result.
    static func failIfUnsuccessful(_ status: TaskStatus) throws {
        guard status.status.isUnsuccessful else { return }
        let outcome = switch status.status {
        case .cancelled: "was cancelled"
        case .dead: "gave up after \(status.attempt) attempts"
        default: status.status.rawValue
        }
        printError("error: task \(status.id) \(outcome)" + (status.errorMessage.map { ": \($0)" } ?? ""))
        throw ClientExit.taskFailed
    }

    /// One line per field, the values aligned; multi-line values stay under their column.
    static func table(_ status: TaskStatus) -> String {
        var fields: [(String, String)] = [("task", status.id), ("type", status.type)]
        fields.append(("status", status.status.rawValue + (status.heldReason.map { " (\($0))" } ?? "")))
        fields.append(("priority", Format.count(status.json["priority"])))
        fields.append(("attempt", "\(status.attempt)" + (status.maxAttempts.map { " of \($0)" } ?? "")))
        if let worker = status.assignedTo {
            fields.append(("worker", worker + (status.json["worker_type"]?.stringValue.map { " (\($0))" } ?? "")))
        }
        fields.append(("created", Format.time(status.createdAt)))
        if let completedAt = status.completedAt {
            let took = status.createdAt.map { " (after \(Format.seconds(completedAt - $0)))" } ?? ""
            fields.append(("finished", Format.time(completedAt) + took))
        }
        if let cost = status.costUSD { fields.append(("cost", Format.usd(cost))) }
        for error in status.errors {
            fields.append(("error", "attempt \(error.attempt): \(error.message)" + (error.workerID.map { " (\($0))" } ?? "")))
        }
        if status.status == .completed { fields.append((status.output == nil ? "result" : "output", resultText(status))) }
        let width = fields.map(\.0.count).max() ?? 0
        return fields.map { key, value in
            let indent = "\n" + String(repeating: " ", count: width + 2)
            return key.padding(toLength: width + 2, withPad: " ", startingAt: 0) + value.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
        }.joined(separator: "\n") + "\n"
    }
}

/// What `--json` prints: the orchestrator's answer as one line of compact JSON.
func printJSON(_ value: JSONValue) {
    print(value.jsonString)
}
