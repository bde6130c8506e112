import D8Core
import D8Store
import PostgresNIO

/// Reads, each under the store's deadline; they see committed rows only.
extension PostgresStore {
    /// Every row of `query`, each made into a value.
    func rows<T: Sendable>(_ query: PostgresQuery, _ make: @escaping @Sendable (PostgresRow) throws -> T) async throws(StoreError) -> [T] {
        try await Self.withDeadline(settings.timeout, "a read") { [client, logger] in
            var values: [T] = []
            for try await row in try await client.query(query, logger: logger) { values.append(try make(row)) }
            return values
        }
    }

    func records(_ query: PostgresQuery) async throws(StoreError) -> [TaskRecord] {
        try await rows(query) { try TaskRecord(postgres: $0) }
    }

    public func unfinished() async throws(StoreError) -> [TaskRecord] {
        try await records("\(unescaped: TaskRecord.select) WHERE status IN (\(unescaped: TaskRecord.unfinishedList)) ORDER BY seq")
    }

    public func record(taskID: String) async throws(StoreError) -> TaskRecord? {
        try await records("\(unescaped: TaskRecord.select) WHERE task_id = \(taskID)").first
    }

    public func record(idempotencyKey: String, client: String?) async throws(StoreError) -> TaskRecord? {
        try await records("\(unescaped: TaskRecord.select) WHERE coalesce(client, '') = \(client ?? "") AND idempotency_key = \(idempotencyKey)").first
    }

    /// Seqs come from blocks (`seqBlock`); the highest stored is only a floor.
    public func maxSeq() async throws(StoreError) -> UInt64 {
        try await rows("SELECT coalesce(max(seq), 0) FROM tasks") { UInt64(try $0.decode(Int64.self)) }.first ?? 0
    }

    public func spend(since: Double) async throws(StoreError) -> [SpendEntry] {
        try await rows("SELECT at, task_id, client, worker_type, usd FROM spend WHERE at >= \(since) ORDER BY id") { row in
            let (at, taskID, client, workerType, usd) = try row.decode((Double, String, String?, String, Double).self)
            return SpendEntry(taskID: taskID, at: at, client: client, workerType: workerType, usd: usd)
        }
    }

    public func statistics(sampleLimit: Int, client: String?) async throws(StoreError) -> StoreStatistics {
        let filter = client == nil ? "" : "WHERE client = $1"
        let binds = Self.binds(client.map { [$0] } ?? [])
        let counts = try await rows(PostgresQuery(unsafeSQL: """
            SELECT type, status, count(*), count(cached_from), coalesce(sum(saved_usd), 0) FROM tasks \(filter) GROUP BY type, status
            """, binds: binds)) { try $0.decode((String, String, Int, Int, Double).self) }
        var statistics = StoreStatistics()
        var byType: [String: (counts: [TaskRecord.Status: Int], hits: Int, saved: Double)] = [:]
        for (type, rawStatus, count, hits, saved) in counts {
            guard let status = TaskRecord.Status(rawValue: rawStatus) else { throw .corruptRow("unknown status '\(rawStatus)'", path: "postgres") }
            byType[type, default: ([:], 0, 0)].counts[status] = count
            byType[type]!.hits += hits
            byType[type]!.saved += saved
        }
        for (type, entry) in byType {
            var latencyBinds = Self.binds([type])
            latencyBinds.append(sampleLimit)
            if let client { latencyBinds.append(client) }
            let samples = try await rows(PostgresQuery(unsafeSQL: """
                SELECT assigned_at - created_at, completed_at - assigned_at FROM tasks
                WHERE type = $1 AND status IN ('completed', 'failed', 'dead') AND assigned_at IS NOT NULL AND completed_at IS NOT NULL
                \(client == nil ? "" : "AND client = $3") ORDER BY completed_at DESC LIMIT $2
                """, binds: latencyBinds)) { try $0.decode((Double, Double).self) }
            let (waits, runs) = (samples.map(\.0), samples.map(\.1))
            var typeStatistics = TypeStatistics(
                counts: entry.counts, queueWait: Percentiles(nearestRank: waits), runTime: Percentiles(nearestRank: runs),
                samples: LatencySamples(waits: waits, runs: runs))
            typeStatistics.cacheHits = entry.hits
            typeStatistics.savedUSD = entry.saved
            statistics.byType[type] = typeStatistics
        }
        let byWorkerType = try await rows(PostgresQuery(unsafeSQL: """
            SELECT worker_type, count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status IN ('failed', 'dead')),
                coalesce(sum(cost_usd), 0)
            FROM tasks WHERE worker_type IS NOT NULL \(client == nil ? "" : "AND client = $1") GROUP BY worker_type
            """, binds: binds)) { try $0.decode((String, Int, Int, Double).self) }
        for (workerType, completed, failed, cost) in byWorkerType {
            statistics.byWorkerType[workerType] = WorkerTypeStatistics(completed: completed, failed: failed, costUSD: cost)
        }
        return statistics
    }

    public func tasks(_ query: TaskQuery) async throws(StoreError) -> [TaskRecord] {
        var conditions: [String] = [], values: [String] = []
        for (column, value) in [("status", query.status?.rawValue), ("type", query.type), ("worker_type", query.workerType), ("client", query.client)] {
            guard let value else { continue }
            values.append(value)
            conditions.append("\(column) = $\(values.count)")
        }
        var binds = Self.binds(values)
        binds.append(max(0, query.limit))
        binds.append(max(0, query.offset))
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try await records(PostgresQuery(
            unsafeSQL: "\(TaskRecord.select)\(filter) ORDER BY created_at DESC, seq DESC LIMIT $\(values.count + 1) OFFSET $\(values.count + 2)", binds: binds))
    }

    public func throughput(since: Double, client: String?) async throws(StoreError) -> [MinuteCount] {
        var binds = PostgresBindings()
        binds.append(since)
        if let client { binds.append(client) }
        return try await rows(PostgresQuery(unsafeSQL: """
            SELECT floor(completed_at / 60) * 60 AS minute, count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status IN ('failed', 'dead'))
            FROM tasks WHERE completed_at >= $1 \(client == nil ? "" : "AND client = $2") GROUP BY minute ORDER BY minute
            """, binds: binds)) { row in
            let (minute, completed, failed) = try row.decode((Double, Int, Int).self)
            return MinuteCount(minute: minute, completed: completed, failed: failed)
        }
    }

    public func dailySpend(since: Double, client: String?) async throws(StoreError) -> [DailySpend] {
        var binds = PostgresBindings()
        binds.append(since)
        if let client { binds.append(client) }
        return try await rows(PostgresQuery(unsafeSQL: """
            SELECT to_char(to_timestamp(completed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, worker_type,
                coalesce(result::jsonb ->> 'model', '') AS model, sum(cost_usd), count(*)
            FROM tasks WHERE completed_at >= $1 AND cost_usd > 0 AND worker_type IS NOT NULL \(client == nil ? "" : "AND client = $2")
            GROUP BY 1, 2, 3 ORDER BY 1 DESC, 4 DESC
            """, binds: binds)) { row in
            let (day, workerType, model, usd, count) = try row.decode((String, String, String, Double, Int).self)
            return DailySpend(day: day, workerType: workerType, model: model, usd: usd, tasks: count)
        }
    }

    public func job(id: String) async throws(StoreError) -> JobRecord? {
        try await rows("SELECT job_id, name, client, created_at, total, deadline FROM jobs WHERE job_id = \(id)") { row in
            let (jobID, name, client, createdAt, total, deadline) = try row.decode((String, String?, String?, Double, Int, Double?).self)
            return JobRecord(jobID: jobID, name: name, client: client, createdAt: createdAt, total: total, deadline: deadline)
        }.first
    }

    public func records(jobID: String) async throws(StoreError) -> [TaskRecord] {
        try await records("\(unescaped: TaskRecord.select) WHERE job_id = \(jobID) ORDER BY seq")
    }

    public func cacheCandidates(cacheKey: String, since: Double) async throws(StoreError) -> [TaskRecord] {
        try await records("""
            \(unescaped: TaskRecord.select) WHERE cache_key = \(cacheKey) AND status = 'completed' AND completed_at >= \(since)
            ORDER BY completed_at DESC LIMIT 4
            """)
    }

    static func binds(_ strings: [String]) -> PostgresBindings {
        var binds = PostgresBindings()
        for s in strings { binds.append(s) }
        return binds
    }
}
