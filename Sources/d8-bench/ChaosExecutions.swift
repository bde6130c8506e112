import Foundation

/// What the Echo plugins of a chaos run executed, from their shared log (D8_ECHO_EXECUTION_LOG):
/// the attempts of each task in the order they ran, across every worker process.
struct ChaosExecutions {
    private(set) var attemptsByTask: [String: [Int]] = [:]
    private(set) var total = 0

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let attempt = Int(fields[1]) else { throw ChaosFailure("\(path): unreadable line \(line)") }
            attemptsByTask[String(fields[0]), default: []].append(attempt)
            total += 1
        }
    }

    /// The problems with one completed task: its completing attempt never ran, an attempt ran
    /// twice (one lease handed out twice), or an attempt ran after the completing one (the
    /// task was leased again after it completed).
    func problems(taskID: String, completedAttempt: Int) -> [String] {
        let attempts = attemptsByTask[taskID] ?? []
        var problems: [String] = []
        if !attempts.contains(completedAttempt) { problems.append("\(taskID): completed by attempt \(completedAttempt), which no worker ran (ran: \(attempts))") }
        if Set(attempts).count != attempts.count { problems.append("\(taskID): an attempt ran twice: \(attempts)") }
        if let later = attempts.first(where: { $0 > completedAttempt }) { problems.append("\(taskID): attempt \(later) ran after attempt \(completedAttempt) completed it") }
        return problems
    }

    /// Tasks that ran more than once: each needs a lost lease (a killed worker or orchestrator).
    var reexecuted: Int { attemptsByTask.values.count { $0.count > 1 } }
}
