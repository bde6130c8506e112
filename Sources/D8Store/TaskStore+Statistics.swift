extension TaskStore {
    /// Counts by type and status, latency percentiles over the newest `sampleLimit` finished
    /// tasks of each type, and outcomes and cost by worker type: of every task, or of one
    /// client's (`client`, the name of its key).
    public func statistics(sampleLimit: Int = 10_000, client: String? = nil) async throws(StoreError) -> StoreStatistics {
        // A client's rows through its index; everyone's without a filter.
        let clientParameter: [SQLiteValue] = client.map { [.text($0)] } ?? []
        return try await read { db throws(StoreError) in
            var statistics = StoreStatistics()
            var counts: [String: [TaskRecord.Status: Int]] = [:]
            var cache: [String: (hits: Int, saved: Double)] = [:]
            let countsSQL = "SELECT type, status, COUNT(*), SUM(cached_from IS NOT NULL), TOTAL(saved_usd) FROM tasks \(client == nil ? "" : "WHERE client = ?1 ") GROUP BY type, status"
            try db.withStatement(countsSQL) {
                row throws(StoreError) in
                try row.bind(clientParameter)
                while try row.step() {
                    let rawStatus = row.text(1)
                    guard let status = TaskRecord.Status(rawValue: rawStatus) else {
                        throw .corruptRow("unknown status '\(rawStatus)'", path: db.path)
                    }
                    counts[row.text(0), default: [:]][status] = Int(row.integer(2))
                    cache[row.text(0), default: (0, 0)].hits += Int(row.integer(3))
                    cache[row.text(0), default: (0, 0)].saved += row.real(4)
                }
            }
            for (type, typeCounts) in counts {
                let (waits, runs) = try Self.latencies(db, type: type, client: clientParameter, limit: sampleLimit)
                statistics.byType[type] = TypeStatistics(
                    counts: typeCounts,
                    queueWait: Percentiles(nearestRank: waits),
                    runTime: Percentiles(nearestRank: runs),
                    samples: LatencySamples(waits: waits, runs: runs))
                statistics.byType[type]?.cacheHits = cache[type]?.hits ?? 0
                statistics.byType[type]?.savedUSD = cache[type]?.saved ?? 0
            }
            let byWorkerType = """
                SELECT worker_type, SUM(status = ?1), SUM(status IN (?2, ?3)), TOTAL(cost_usd)
                FROM tasks WHERE worker_type IS NOT NULL \(client == nil ? "" : "AND client = ?4 ")GROUP BY worker_type
                """
            try db.withStatement(byWorkerType) { row throws(StoreError) in
                try row.bind([TaskRecord.Status.completed, .failed, .dead].map { .text($0.rawValue) } + clientParameter)
                while try row.step() {
                    statistics.byWorkerType[row.text(0)] = WorkerTypeStatistics(
                        completed: Int(row.integer(1)), failed: Int(row.integer(2)), costUSD: row.real(3))
                }
            }
            return statistics
        }
    }

    /// Queue waits and run times of the newest `limit` tasks of `type` that were assigned and
    /// then completed, failed or went dead (cancelled ones would skew both).
    private static func latencies(
        _ db: SQLiteConnection, type: String, client: [SQLiteValue], limit: Int
    ) throws(StoreError) -> (waits: [Double], runs: [Double]) {
        let sql = """
            SELECT created_at, assigned_at, completed_at FROM tasks
            WHERE type = ?1 AND status IN (?2, ?3, ?4) AND assigned_at IS NOT NULL AND completed_at IS NOT NULL
                \(client.isEmpty ? "" : "AND client = ?6")
            ORDER BY completed_at DESC LIMIT ?5
            """
        return try db.withStatement(sql) { row throws(StoreError) in
            try row.bind([.text(type)] + [TaskRecord.Status.completed, .failed, .dead].map { .text($0.rawValue) }
                + [.integer(Int64(limit))] + client)
            var waits: [Double] = [], runs: [Double] = []
            while try row.step() {
                waits.append(row.real(1) - row.real(0))
                runs.append(row.real(2) - row.real(1))
            }
            return (waits, runs)
        }
    }
}
