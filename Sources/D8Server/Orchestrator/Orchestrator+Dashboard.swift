import D8Core
import D8Store

/// What the dashboard reads and does, each as the viewer may.
extension Orchestrator {
    struct QueuesView: Sendable {
        let queues: [Scheduler.QueueGauge]
        let held: [TaskRecord]
        let paused: Set<String>
    }

    func queuesView(for viewer: Viewer) -> QueuesView {
        let now = Self.epochNow()
        return core.withLock { core in
            let s = core.scheduler
            return QueuesView(queues: s.queueGauges(now: now, for: viewer), held: s.heldTasks(for: viewer, limit: 100), paused: s.paused)
        }
    }

    /// Workers, each with the ids of the tasks it holds (a client sees only its own among them).
    func workersView(for viewer: Viewer) -> [(worker: WorkerState, taskIDs: [String])] {
        core.withLock { core in
            core.scheduler.workerList.map { worker in
                let ids = worker.held.sorted().compactMap { core.scheduler.task(seq: $0)?.record }.filter(viewer.sees).map(\.taskID)
                return (worker, ids)
            }
        }
    }

    func setPaused(_ taskType: String, _ pause: Bool) throws(APIError) {
        _ = try event { scheduler throws(APIError) in ((), try scheduler.setPaused(taskType, pause)) }
    }

    /// A failed, dead or cancelled task runs again as a new task with the same type, data,
    /// priority and client (the first keeps its history); answers the new one.
    func retry(taskID: String, by viewer: Viewer) async throws(APIError) -> TaskRecord {
        let view = try await task(taskID, for: viewer)
        let r = view.record
        guard [.failed, .dead, .cancelled].contains(r.status) else {
            throw APIError(.conflict, "task '\(taskID)' is \(r.status.rawValue); only a failed, dead or cancelled task can be retried")
        }
        let submission = Submission(type: r.type, data: view.data, priority: r.priority, idempotencyKey: nil, maxCostUSD: r.maxCostUSD)
        return try await submit([submission], client: r.client)[0].record
    }

    func tasksPage(_ query: TaskQuery) async throws(APIError) -> [TaskRecord] {
        try await read { try await $0.tasks(query) }
    }

    /// Everyone's from the counters; a client's share from its rows in the store.
    func throughput(since: Double, for viewer: Viewer) async throws(APIError) -> [MinuteCount] {
        guard let client = viewer.client else { return core.withLock { $0.scheduler.tally.minutes(since: since) } }
        return try await read { try await $0.throughput(since: since, client: client) }
    }

    func dailySpend(since: Double, for viewer: Viewer) async throws(APIError) -> [DailySpend] {
        try await read { try await $0.dailySpend(since: since, client: viewer.client) }
    }
}
