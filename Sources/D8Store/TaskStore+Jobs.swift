/// Jobs and the result cache, on the read connection.
extension TaskStore {
    public func job(id: String) async throws(StoreError) -> JobRecord? {
        try await rows("\(JobRecord.select) WHERE job_id = ?1", [.text(id)]) { row, _ in JobRecord(row: row) }.first
    }

    /// A job's tasks in submission order.
    public func records(jobID: String) async throws(StoreError) -> [TaskRecord] {
        try await records("\(TaskRecord.select) WHERE job_id = ?1 ORDER BY seq", [.text(jobID)])
    }

    /// Completed tasks under `cacheKey` that finished at or after `since`, newest first: the
    /// candidates a new submit's data is compared with (the key is a hash, so equal data is
    /// checked, not assumed).
    public func cacheCandidates(cacheKey: String, since: Double) async throws(StoreError) -> [TaskRecord] {
        try await records(
            "\(TaskRecord.select) WHERE cache_key = ?1 AND status = 'completed' AND completed_at >= ?2 ORDER BY completed_at DESC LIMIT 4",
            [.text(cacheKey), .real(since)])
    }
}
