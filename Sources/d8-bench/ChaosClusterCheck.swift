import D8Core
import Foundation

/// The verdict on a cluster chaos run, read from the shared database (through psql) after
/// everything stopped:
/// - every task a client was answered for is in `tasks`, completed with a successful result,
///   with exactly one row in `completions` of the same attempt;
/// - nothing else is there: each idempotency key maps to exactly one row, the id its answers
///   gave (a write committed after a 503 is fine: the retry with the same key was answered
///   with the same id);
/// - attempts only grew: the attempts the workers ran for a task increase in the order they
///   ran, the completing lease is one that ran, and nothing ran after the completing attempt;
/// - no reservation is left: no unfinished task, and no task holds `reserved_usd`.
struct ChaosClusterVerdict {
    var accepted = 0, completed = 0, lost = 0, duplicated = 0, stuck = 0, failed = 0, unanswered = 0
    var storedTotal = 0, completionRows = 0, retried = 0, executions = 0, reexecuted = 0
    var reservedLeft = 0.0, reservingTasks = 0
    var problems: [String] = []

    var ok: Bool { problems.isEmpty }

    private struct Row {
        let id: String, key: String, status: String, attempt: Int, maxAttempts: Int, lease: String
        let success: String, hasOutput: String, reserved: Double?, completions: Int, completionAttempts: String, errors: String
    }

    static func check(postgres: BenchPostgres, database: String, idsByKey: [String: Set<String>], executions: ChaosExecutions) throws -> ChaosClusterVerdict {
        var verdict = ChaosClusterVerdict()
        verdict.executions = executions.total
        verdict.reexecuted = executions.reexecuted
        let rows = try postgres.query("""
            SELECT t.task_id, coalesce(t.idempotency_key, ''), t.status, t.attempt, t.max_attempts, coalesce(t.lease, ''),
                   coalesce(t.result::jsonb ->> 'success', ''), coalesce((t.result::jsonb ? 'output')::text, ''),
                   coalesce(t.reserved_usd::text, ''),
                   (SELECT count(*) FROM completions c WHERE c.task_id = t.task_id),
                   coalesce((SELECT string_agg(c.attempt::text || ' ' || c.status || ' ' || c.node, ',') FROM completions c WHERE c.task_id = t.task_id), ''),
                   translate(coalesce(t.errors, ''), E'\\n\\r', '  ')
            FROM tasks t
            """, on: database).map { f -> Row in
            Row(id: f[0], key: f[1], status: f[2], attempt: Int(f[3]) ?? -1, maxAttempts: Int(f[4]) ?? -1, lease: f[5], success: f[6], hasOutput: f[7],
                reserved: Double(f[8]), completions: Int(f[9]) ?? -1, completionAttempts: f[10], errors: f[11])
        }
        verdict.storedTotal = rows.count
        let byID = Dictionary(rows.map { ($0.id, $0) }) { a, _ in a }
        let answeredIDs = Set(idsByKey.values.flatMap { $0 })

        // Every answered task: stored, completed once, by a lease that ran, attempts growing.
        for (key, ids) in idsByKey.sorted(by: { $0.key < $1.key }) {
            if ids.count > 1 {
                verdict.duplicated += ids.count - 1
                verdict.problems.append("\(key): answered with \(ids.count) different task ids: \(ids.sorted())")
            }
            for id in ids {
                verdict.accepted += 1
                guard let row = byID[id] else {
                    verdict.lost += 1
                    verdict.problems.append("\(id) (\(key)): answered, but not in tasks")
                    continue
                }
                if row.key != key { verdict.problems.append("\(id): stored under key '\(row.key)', answered for \(key)") }
                if row.attempt > 1 { verdict.retried += 1 }
                switch row.status {
                case "completed":
                    verdict.completed += 1
                    if row.success != "true" || row.hasOutput != "true" {
                        verdict.problems.append("\(id): completed without a successful result (success \(row.success), output \(row.hasOutput))")
                    }
                    if row.completions != 1 {
                        verdict.problems.append("\(id): \(row.completions) rows in completions")
                    } else if row.completionAttempts.split(separator: " ").first.flatMap({ Int($0) }) != row.attempt
                                || row.completionAttempts.split(separator: " ").dropFirst().first != "completed" {
                        verdict.problems.append("\(id): completions says '\(row.completionAttempts)', the task row attempt \(row.attempt) completed")
                    }
                    var found = executions.problems(taskID: id, completedAttempt: row.attempt, completedLease: row.lease.isEmpty ? nil : row.lease,
                                                     orchestratorRestarted: true)
                    let attempts = executions.runsByTask[id]?.map(\.attempt) ?? []
                    if zip(attempts, attempts.dropFirst()).contains(where: { $0 >= $1 }) {
                        found.append("\(id): the attempts run did not grow: \(executions.runsByTask[id] ?? [])")
                    }
                    if let last = attempts.last, last != row.attempt {
                        found.append("\(id): completed by attempt \(row.attempt), but the last attempt run was \(last): \(executions.runsByTask[id] ?? [])")
                    }
                    if row.attempt > row.maxAttempts { found.append("\(id): completed at attempt \(row.attempt) of \(row.maxAttempts)") }
                    if !found.isEmpty { verdict.duplicated += 1 }
                    verdict.problems += found
                case "pending", "assigned", "held":
                    verdict.stuck += 1
                    verdict.problems.append("\(id): still \(row.status) (attempt \(row.attempt)): \(row.errors)")
                default:
                    verdict.failed += 1
                    verdict.problems.append("\(id): \(row.status) after \(row.attempt) attempts: \(row.errors)")
                }
                if row.completions > 0, row.status != "completed" { verdict.problems.append("\(id): \(row.status), yet in completions: \(row.completionAttempts)") }
            }
        }

        // Nothing else: every row was answered, under a key answered with its id, each key once.
        var rowsByKey: [String: [String]] = [:]
        for row in rows { rowsByKey[row.key, default: []].append(row.id) }
        for (key, ids) in rowsByKey where ids.count > 1 {
            verdict.problems.append("key '\(key)' has \(ids.count) rows in tasks: \(ids.sorted())")
        }
        for row in rows where !answeredIDs.contains(row.id) {
            verdict.unanswered += 1
            if let answered = idsByKey[row.key] {
                verdict.duplicated += 1
                verdict.problems.append("\(row.id) (\(row.key), \(row.status)): in tasks, but its key was answered with \(answered.sorted())")
            } else {
                verdict.problems.append("\(row.id) (key '\(row.key)', \(row.status)): in tasks, but no client was answered for it")
            }
        }

        // completions: one row per finished task, none for a task that is not in tasks.
        let orphans = try postgres.query("SELECT c.task_id FROM completions c WHERE NOT EXISTS (SELECT 1 FROM tasks t WHERE t.task_id = c.task_id)", on: database)
        for orphan in orphans { verdict.problems.append("\(orphan.first ?? "?"): in completions, not in tasks") }
        verdict.completionRows = Int(try postgres.query("SELECT count(*) FROM completions", on: database).first?.first ?? "") ?? -1

        // Budgets: after the drain nothing is unfinished and nothing holds a reservation.
        let unfinished = rows.filter { ["pending", "assigned", "held"].contains($0.status) }
        if !unfinished.isEmpty { verdict.problems.append("\(unfinished.count) task(s) unfinished in tasks") }
        let reservedUnfinished = unfinished.compactMap(\.reserved).reduce(0, +)
        if reservedUnfinished != 0 { verdict.problems.append("unfinished tasks hold reserved_usd \(reservedUnfinished)") }
        let reserving = rows.filter { ($0.reserved ?? 0) != 0 }
        verdict.reservingTasks = reserving.count
        verdict.reservedLeft = reserving.compactMap(\.reserved).reduce(0, +)
        if !reserving.isEmpty {
            verdict.problems.append("\(reserving.count) task(s) still hold reserved_usd (sum \(verdict.reservedLeft)), e.g. "
                + reserving.prefix(5).map { "\($0.id) \($0.status) \($0.reserved ?? 0)" }.joined(separator: "; "))
        }
        if verdict.storedTotal != verdict.accepted {
            verdict.problems.append("tasks holds \(verdict.storedTotal) rows; \(verdict.accepted) were answered")
        }
        return verdict
    }
}
