/// The mapping between `TaskRecord` and a row of `tasks`: one column list, used in this order by
/// `SELECT`, the upsert and `bindings`.
extension TaskRecord {
    package static let columns = [
        "seq", "task_id", "type", "data", "priority", "status", "attempt", "max_attempts",
        "assigned_to", "worker_type", "lease", "lease_expires_at", "created_at", "assigned_at",
        "completed_at", "not_before", "result", "errors", "idempotency_key", "client", "cost_usd",
        "max_cost_usd", "reserved_usd", "reserved_until", "held_reason",
        "job_id", "deadline", "cache_key", "cached_from", "saved_usd",
    ]

    /// The final statuses as an SQL list: rows in these never change again.
    package static let finishedList = Status.finished.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    /// The statuses a task can still leave, as an SQL list.
    package static let unfinishedList = Status.unfinished.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// `SELECT <every column> FROM tasks`, to which queries add their WHERE clause.
    package static let select = "SELECT \(columns.joined(separator: ", ")) FROM tasks"

    /// Inserts a record or overwrites every column of the row with its seq, unless that row has
    /// finished: a finished task is final, so a late write of an earlier state cannot undo it.
    static let upsert = """
        INSERT INTO tasks (\(columns.joined(separator: ", ")))
        VALUES (\(columns.indices.map { "?\($0 + 1)" }.joined(separator: ", ")))
        ON CONFLICT (seq) DO UPDATE SET
        \(columns.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        WHERE tasks.status NOT IN (\(finishedList))
        """

    /// The values to bind to `upsert`, in `columns` order.
    func bindings(path: String) throws(StoreError) -> [SQLiteValue] {
        // SQLite integers are signed: a seq above Int64.max would sort as negative.
        guard seq > 0, seq <= UInt64(Int64.max) else {
            throw .invalidRecord("seq must be from 1 to \(Int64.max), got \(seq) (task \(taskID))", path: path)
        }
        return [
            .integer(Int64(seq)), .text(taskID), .text(type), .text(data), SQLiteValue(priority),
            .text(status.rawValue), SQLiteValue(attempt), SQLiteValue(maxAttempts),
            SQLiteValue(assignedTo), SQLiteValue(workerType), SQLiteValue(lease), SQLiteValue(leaseExpiresAt),
            SQLiteValue(createdAt), SQLiteValue(assignedAt), SQLiteValue(completedAt), SQLiteValue(notBefore),
            SQLiteValue(result), .text(errors), SQLiteValue(idempotencyKey), SQLiteValue(client), SQLiteValue(costUSD),
            SQLiteValue(maxCostUSD), SQLiteValue(reservedUSD), SQLiteValue(reservedUntil), SQLiteValue(heldReason),
            SQLiteValue(jobID), SQLiteValue(deadline), SQLiteValue(cacheKey), SQLiteValue(cachedFrom), SQLiteValue(savedUSD),
        ]
    }

    /// Reads the current row of a statement that selected `columns`.
    init(row: SQLiteStatement, path: String) throws(StoreError) {
        let rawStatus = row.text(5)
        guard let status = TaskRecord.Status(rawValue: rawStatus) else {
            throw .corruptRow("unknown status '\(rawStatus)' at seq \(row.integer(0))", path: path)
        }
        self.init(
            seq: UInt64(row.integer(0)), taskID: row.text(1), type: row.text(2), data: row.text(3),
            priority: Int(row.integer(4)), status: status,
            attempt: Int(row.integer(6)), maxAttempts: Int(row.integer(7)),
            assignedTo: row.optionalText(8), workerType: row.optionalText(9),
            lease: row.optionalText(10), leaseExpiresAt: row.optionalReal(11),
            createdAt: row.real(12), assignedAt: row.optionalReal(13), completedAt: row.optionalReal(14),
            notBefore: row.optionalReal(15), result: row.optionalText(16), errors: row.text(17),
            idempotencyKey: row.optionalText(18), client: row.optionalText(19), costUSD: row.optionalReal(20),
            maxCostUSD: row.optionalReal(21), reservedUSD: row.optionalReal(22), reservedUntil: row.optionalReal(23),
            heldReason: row.optionalText(24), jobID: row.optionalText(25), deadline: row.optionalReal(26),
            cacheKey: row.optionalText(27), cachedFrom: row.optionalText(28), savedUSD: row.optionalReal(29)
        )
    }
}
