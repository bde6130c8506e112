/// What was spent at a provider: one row per settled attempt (the ledger budgets are counted from).
public struct SpendEntry: Sendable, Equatable {
    public let taskID: String
    /// Epoch seconds, when the cost was settled.
    public let at: Double
    public let client: String?
    public let workerType: String
    public let usd: Double

    public init(taskID: String, at: Double, client: String?, workerType: String, usd: Double) {
        self.taskID = taskID
        self.at = at
        self.client = client
        self.workerType = workerType
        self.usd = usd
    }
}

extension TaskStore {
    /// Appends to the ledger without waiting, in order with every other write (`flush` waits).
    public func enqueueSpend(_ entries: [SpendEntry]) {
        guard !entries.isEmpty else { return }
        let sql = "INSERT INTO spend (at, task_id, client, worker_type, usd) VALUES (?1, ?2, ?3, ?4, ?5)"
        let accepted = writer.performLater { db throws(StoreError) in
            for entry in entries {
                try db.withStatement(sql) { statement throws(StoreError) in
                    try statement.bind([.real(entry.at), .text(entry.taskID), SQLiteValue(entry.client), .text(entry.workerType), .real(entry.usd)])
                    _ = try statement.step()
                }
            }
            return entries.count
        }
        if !accepted { logger.error("task store spend entry after close dropped", metadata: ["entries": "\(entries.count)"]) }
    }

    /// Every ledger row settled at or after `since`, for rebuilding today's spending on start.
    public func spend(since: Double) async throws(StoreError) -> [SpendEntry] {
        try await rows("SELECT at, task_id, client, worker_type, usd FROM spend WHERE at >= ?1 ORDER BY id", [.real(since)]) { row, _ in
            SpendEntry(taskID: row.text(1), at: row.real(0), client: row.optionalText(2), workerType: row.text(3), usd: row.real(4))
        }
    }
}
