import Foundation

/// What the Echo plugins of a chaos run executed, from their shared log (D8_ECHO_EXECUTION_LOG):
/// each task's runs, as (attempt, lease) in the order they ran, across every worker process.
struct ChaosExecutions {
    struct Run: Equatable, CustomStringConvertible {
        let attempt: Int, lease: String
        var description: String { "attempt \(attempt) lease \(lease)" }
    }

    private(set) var runsByTask: [String: [Run]] = [:]
    private(set) var total = 0

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let attempt = Int(fields[1]) else { throw ChaosFailure("\(path): unreadable line \(line)") }
            runsByTask[String(fields[0]), default: []].append(Run(attempt: attempt, lease: String(fields[2])))
            total += 1
        }
    }

    /// The problems with one completed task: the lease that completed it (or, without one, its
    /// attempt) never ran, a lease ran twice (handed out twice), or a run came after the
    /// completing attempt (leased again once completed). One attempt number on two leases is
    /// allowed only across an orchestrator restart: a lease is not durable before the worker has
    /// it, so a restarted orchestrator hands the same attempt out again under a new lease.
    func problems(taskID: String, completedAttempt: Int, completedLease: String?, orchestratorRestarted: Bool) -> [String] {
        let runs = runsByTask[taskID] ?? []
        var problems: [String] = []
        let completedRan = completedLease.map { lease in runs.contains { $0.lease == lease } } ?? runs.contains { $0.attempt == completedAttempt }
        if !completedRan { problems.append("\(taskID): completed by attempt \(completedAttempt) (lease \(completedLease ?? "none")), which no worker ran: \(runs)") }
        if Set(runs.map(\.lease)).count != runs.count { problems.append("\(taskID): a lease ran twice: \(runs)") }
        if !orchestratorRestarted, Set(runs.map(\.attempt)).count != runs.count { problems.append("\(taskID): an attempt ran twice with no restart: \(runs)") }
        if let later = runs.first(where: { $0.attempt > completedAttempt }) { problems.append("\(taskID): attempt \(later.attempt) ran after attempt \(completedAttempt) completed it") }
        return problems
    }

    /// Tasks that ran more than once: each needs a lost lease (a killed worker or orchestrator).
    var reexecuted: Int { runsByTask.values.count { $0.count > 1 } }

    /// Tasks with one attempt number run under two leases (after an orchestrator restart).
    var attemptsRerunAfterRestart: Int { runsByTask.values.count { Set($0.map(\.attempt)).count != $0.count } }
}
