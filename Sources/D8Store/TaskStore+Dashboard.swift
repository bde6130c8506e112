/// Reads for the dashboard: pages of tasks, throughput and spending over time. Every one takes
/// a client (the name of its key) to show that client's share, or nil for everyone's.
public struct TaskQuery: Sendable, Equatable {
    public var status: TaskRecord.Status?
    public var type: String?
    public var workerType: String?
    public var client: String?
    public var limit = 50
    public var offset = 0

    public init(status: TaskRecord.Status? = nil, type: String? = nil, workerType: String? = nil, client: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status
        self.type = type
        self.workerType = workerType
        self.client = client
        self.limit = limit
        self.offset = offset
    }
}

/// Tasks that finished in one minute.
public struct MinuteCount: Sendable, Equatable {
    /// Unix seconds of the minute's start.
    public let minute: Double
    public let completed: Int
    public let failed: Int

    public init(minute: Double, completed: Int, failed: Int) {
        self.minute = minute
        self.completed = completed
        self.failed = failed
    }
}

/// What was spent on one day through one worker type and model.
public struct DailySpend: Sendable, Equatable {
    /// "2026-12-02", UTC.
    public let day: String
    public let workerType: String
    public let model: String
    public let usd: Double
    public let tasks: Int

    public init(day: String, workerType: String, model: String, usd: Double, tasks: Int) {
        self.day = day
        self.workerType = workerType
        self.model = model
        self.usd = usd
        self.tasks = tasks
    }
}

extension TaskStore {
    /// Newest first.
    public func tasks(_ query: TaskQuery) async throws(StoreError) -> [TaskRecord] {
        var conditions: [String] = [], values: [SQLiteValue] = []
        func match(_ column: String, _ value: String?) {
            guard let value else { return }
            values.append(.text(value))
            conditions.append("\(column) = ?\(values.count)")
        }
        match("status", query.status?.rawValue)
        match("type", query.type)
        match("worker_type", query.workerType)
        match("client", query.client)
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        values += [.integer(Int64(max(0, query.limit))), .integer(Int64(max(0, query.offset)))]
        return try await records("\(TaskRecord.select)\(filter) ORDER BY seq DESC LIMIT ?\(values.count - 1) OFFSET ?\(values.count)", values)
    }

    /// Completed and failed (or dead) tasks per minute since `since`.
    public func throughput(since: Double, client: String?) async throws(StoreError) -> [MinuteCount] {
        let sql = """
            SELECT CAST(completed_at / 60 AS INTEGER) * 60 AS minute, SUM(status = 'completed'), SUM(status IN ('failed', 'dead'))
            FROM tasks WHERE completed_at >= ?1 \(client == nil ? "" : "AND client = ?2 ")GROUP BY minute ORDER BY minute
            """
        return try await rows(sql, [.real(since)] + (client.map { [.text($0)] } ?? [])) { row, _ in
            MinuteCount(minute: row.real(0), completed: Int(row.integer(1)), failed: Int(row.integer(2)))
        }
    }

    /// Spending by day, worker type and model (the model the worker reported) since `since`.
    public func dailySpend(since: Double, client: String?) async throws(StoreError) -> [DailySpend] {
        let sql = """
            SELECT date(completed_at, 'unixepoch') AS day, worker_type, coalesce(json_extract(result, '$.model'), ''), TOTAL(cost_usd), COUNT(*)
            FROM tasks WHERE completed_at >= ?1 AND cost_usd > 0 AND worker_type IS NOT NULL \(client == nil ? "" : "AND client = ?2 ")
            GROUP BY day, worker_type, 3 ORDER BY day DESC, 4 DESC
            """
        return try await rows(sql, [.real(since)] + (client.map { [.text($0)] } ?? [])) { row, _ in
            DailySpend(day: row.text(0), workerType: row.text(1), model: row.text(2), usd: row.real(3), tasks: Int(row.integer(4)))
        }
    }
}
