/// One change to the `tasks` table. A lease or an update writes only the columns that change
/// (never the data, which is written once), and never touches a row that has finished: a
/// finished task is final, so a late write of an earlier state cannot undo it.
public enum TaskChange: Sendable, Equatable {
    /// A new task: the whole row.
    case insert(TaskRecord)
    /// A new task the writing orchestrator keeps in memory (in a cluster: held by its node, not
    /// in the shared queue). One orchestrator alone writes it as an `insert`.
    case insertHeld(TaskRecord)
    /// A lease handed out (or taken back): the assignment columns.
    case lease(TaskRecord)
    /// Any other change: every column that can change after submit.
    case update(TaskRecord)
    /// A new job, written in the same commit as its tasks.
    case job(JobRecord)
    /// Back to the shared queue (a cluster node lets go of a task it holds): every column that
    /// can change, and no owner. One orchestrator alone writes it as an `update`.
    case release(TaskRecord)
}

extension TaskChange {
    package static let leaseColumns = [
        "status", "attempt", "assigned_to", "worker_type", "lease", "lease_expires_at", "assigned_at",
        "not_before", "reserved_usd", "reserved_until", "held_reason",
    ]
    package static let updateColumns = leaseColumns + ["completed_at", "result", "errors", "cost_usd"]

    static func updateSQL(_ columns: [String]) -> String {
        let sets = columns.enumerated().map { "\($1) = ?\($0 + 2)" }.joined(separator: ", ")
        return "UPDATE tasks SET \(sets) WHERE seq = ?1 AND status NOT IN (\(TaskRecord.finishedList))"
    }

    static let leaseSQL = updateSQL(leaseColumns)
    static let updateSQL = updateSQL(updateColumns)

    /// The statement and its values.
    func statement(path: String) throws(StoreError) -> (sql: String, values: [SQLiteValue]) {
        switch self {
        case let .insert(r), let .insertHeld(r):
            return (TaskRecord.upsert, try r.bindings(path: path))
        case let .lease(r):
            return (Self.leaseSQL, try [r.seqValue(path: path)] + r.leaseValues)
        case let .job(job):
            return (JobRecord.insert, job.bindings)
        case let .update(r), let .release(r):
            return (Self.updateSQL, try [r.seqValue(path: path)] + r.leaseValues + [
                SQLiteValue(r.completedAt), SQLiteValue(r.result), .text(r.errors), SQLiteValue(r.costUSD),
            ])
        }
    }
}

extension TaskRecord {
    func seqValue(path: String) throws(StoreError) -> SQLiteValue {
        // SQLite integers are signed: a seq above Int64.max would sort as negative.
        guard seq > 0, seq <= UInt64(Int64.max) else {
            throw .invalidRecord("seq must be from 1 to \(Int64.max), got \(seq) (task \(taskID))", path: path)
        }
        return .integer(Int64(seq))
    }

    /// In `TaskChange.leaseColumns` order.
    var leaseValues: [SQLiteValue] {
        [
            .text(status.rawValue), SQLiteValue(attempt), SQLiteValue(assignedTo), SQLiteValue(workerType),
            SQLiteValue(lease), SQLiteValue(leaseExpiresAt), SQLiteValue(assignedAt), SQLiteValue(notBefore),
            SQLiteValue(reservedUSD), SQLiteValue(reservedUntil), SQLiteValue(heldReason),
        ]
    }
}
