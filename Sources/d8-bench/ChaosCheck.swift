import D8Core
import D8Store
import Logging

/// The verdict on a chaos run, read from the store's SQLite file after everything stopped.
struct ChaosVerdict {
    var accepted = 0, completed = 0, lost = 0, duplicated = 0, stuck = 0, failed = 0
    var storedTotal = 0, retried = 0, executions = 0, reexecuted = 0, attemptsRerun = 0
    var problems: [String] = []

    var ok: Bool { problems.isEmpty }

    /// Every answered task must be stored `completed` once, by a lease a worker ran, with no
    /// lease run twice and no run after the completing attempt; nothing else may be stored (a
    /// key answered with two ids, or a row nobody was answered, is a duplicate).
    static func check(dataDir: String, idsByKey: [String: Set<String>], executions: ChaosExecutions, orchestratorRestarted: Bool) async throws -> ChaosVerdict {
        let store = try TaskStore(directory: dataDir, durability: .disk, logger: Logger(label: "chaos") { _ in SwiftLogNoOpLogHandler() })
        var verdict = ChaosVerdict()
        verdict.executions = executions.total
        verdict.reexecuted = executions.reexecuted
        verdict.attemptsRerun = executions.attemptsRerunAfterRestart
        for (key, ids) in idsByKey.sorted(by: { $0.key < $1.key }) {
            if ids.count > 1 {
                verdict.duplicated += ids.count - 1
                verdict.problems.append("\(key): answered with \(ids.count) different task ids")
            }
            for id in ids {
                verdict.accepted += 1
                guard let record = try await store.record(taskID: id) else {
                    verdict.lost += 1
                    verdict.problems.append("\(id) (\(key)): answered, but not in the store")
                    continue
                }
                if record.idempotencyKey != key { verdict.problems.append("\(id): stored under key \(record.idempotencyKey ?? "none"), answered for \(key)") }
                if record.attempt > 1 { verdict.retried += 1 }
                switch record.status {
                case .completed:
                    verdict.completed += 1
                    let result = record.result.flatMap { try? JSONValue.parse($0) }
                    if result?["success"] != .bool(true) || result?["output"] == nil {
                        verdict.problems.append("\(id): completed without a successful result: \(record.result ?? "nil")")
                    } else {
                        var found = executions.problems(taskID: id, completedAttempt: record.attempt, completedLease: record.lease,
                                                         orchestratorRestarted: orchestratorRestarted)
                        if record.attempt > record.maxAttempts { found.append("\(id): completed at attempt \(record.attempt) of \(record.maxAttempts)") }
                        if !found.isEmpty { verdict.duplicated += 1 }
                        verdict.problems += found
                    }
                case .pending, .assigned, .held:
                    verdict.stuck += 1
                    verdict.problems.append("\(id): still \(record.status.rawValue) (attempt \(record.attempt)): \(record.errors)")
                case .failed, .dead, .cancelled, .expired:
                    verdict.failed += 1
                    verdict.problems.append("\(id): \(record.status.rawValue) after \(record.attempt) attempts: \(record.errors)")
                }
            }
        }
        let counts = try await store.statistics().byType.values.flatMap(\.counts)
        verdict.storedTotal = counts.reduce(0) { $0 + $1.value }
        let unfinished = try await store.unfinished().count
        if unfinished > 0 { verdict.problems.append("\(unfinished) task(s) still unfinished in the store") }
        if verdict.storedTotal != verdict.accepted {
            verdict.duplicated += max(0, verdict.storedTotal - verdict.accepted)
            verdict.problems.append("the store holds \(verdict.storedTotal) tasks; \(verdict.accepted) were answered")
        }
        return verdict
    }
}
