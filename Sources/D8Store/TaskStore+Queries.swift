/// Reads, on the read connection: they see committed rows only.
extension TaskStore {
    /// Tasks pending, assigned or held, in seq order: what the orchestrator requeues on start.
    public func unfinished() async throws(StoreError) -> [TaskRecord] {
        try await records(
            "\(TaskRecord.select) WHERE status IN (?1, ?2, ?3) ORDER BY seq",
            TaskRecord.Status.unfinished.map { .text($0.rawValue) })
    }

    public func record(taskID: String) async throws(StoreError) -> TaskRecord? {
        try await records("\(TaskRecord.select) WHERE task_id = ?1", [.text(taskID)]).first
    }

    /// `coalesce(client, '')` as in the unique index, so the index answers.
    public func record(idempotencyKey: String, client: String?) async throws(StoreError) -> TaskRecord? {
        try await records("\(TaskRecord.select) WHERE coalesce(client, '') = ?1 AND idempotency_key = ?2",
                    [.text(client ?? ""), .text(idempotencyKey)]).first
    }

    /// The highest seq stored, 0 when empty: new tasks continue from it.
    public func maxSeq() async throws(StoreError) -> UInt64 {
        try await read { db throws(StoreError) in
            try db.withStatement("SELECT COALESCE(MAX(seq), 0) FROM tasks") { row throws(StoreError) in
                try row.step() ? UInt64(row.integer(0)) : 0
            }
        }
    }

    func records(_ sql: String, _ parameters: [SQLiteValue]) async throws(StoreError) -> [TaskRecord] {
        try await rows(sql, parameters) { row, path throws(StoreError) in try TaskRecord(row: row, path: path) }
    }

    /// Every row of a query on the read connection, each made into a value.
    func rows<T: Sendable>(_ sql: String, _ parameters: [SQLiteValue], _ make: @escaping @Sendable (SQLiteStatement, String) throws(StoreError) -> T) async throws(StoreError) -> [T] {
        try await read { db throws(StoreError) in
            try db.withStatement(sql) { row throws(StoreError) in
                try row.bind(parameters)
                var values: [T] = []
                while try row.step() { values.append(try make(row, db.path)) }
                return values
            }
        }
    }
}
