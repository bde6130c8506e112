/// What the orchestrator needs of a durable task store. `TaskStore` (SQLite) implements it; a
/// second engine implements the same, and the scheduler does not change.
///
/// Writes are applied in the order they are queued. `write` returns once its changes are
/// durable; `enqueue` returns at once and `flush` waits for everything queued before it.
/// Reads see committed rows only; they may block, so callers run them off the cooperative pool.
public protocol TaskStorage: Sendable {
    func write(_ changes: [TaskChange]) async throws(StoreError)
    func enqueue(_ changes: [TaskChange])
    func enqueueSpend(_ entries: [SpendEntry])
    func flush() async throws(StoreError)
    func pruneCounted(finishedBefore cutoff: Double) async throws(StoreError) -> [PrunedTasks]
    func close() async

    /// Pending, assigned and held tasks in seq order: what a starting orchestrator recovers.
    func unfinished() async throws(StoreError) -> [TaskRecord]
    func record(taskID: String) async throws(StoreError) -> TaskRecord?
    /// The task a client submitted with this idempotency key (keys are unique per client).
    func record(idempotencyKey: String, client: String?) async throws(StoreError) -> TaskRecord?
    func maxSeq() async throws(StoreError) -> UInt64
    func spend(since: Double) async throws(StoreError) -> [SpendEntry]
    /// Counts and recent latencies, read once at start to seed the in-memory counters.
    /// Of every task, or of one client's (the name of its key).
    func statistics(sampleLimit: Int, client: String?) async throws(StoreError) -> StoreStatistics
    /// For the dashboard: a page of tasks, newest first; finishes per minute; spending by day.
    func tasks(_ query: TaskQuery) async throws(StoreError) -> [TaskRecord]
    func throughput(since: Double, client: String?) async throws(StoreError) -> [MinuteCount]
    func dailySpend(since: Double, client: String?) async throws(StoreError) -> [DailySpend]
    func job(id: String) async throws(StoreError) -> JobRecord?
    /// A job's tasks in submission order.
    func records(jobID: String) async throws(StoreError) -> [TaskRecord]
    /// Completed tasks under a cache key finished since a time, newest first.
    func cacheCandidates(cacheKey: String, since: Double) async throws(StoreError) -> [TaskRecord]
}

extension TaskStore: TaskStorage {}
