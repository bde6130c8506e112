import D8Core
import D8Store
import Foundation

/// Jobs: many tasks submitted together (all or nothing) under one id, watched and cancelled
/// as one. A job is its row in `jobs` and the tasks that carry its id, so it survives restarts
/// as they do.
extension Orchestrator {
    /// Stores the job and its tasks in one commit. `deadline`: the job's, for each task that
    /// has none of its own or a later one.
    func submitJob(name: String?, _ submissions: [Submission], deadline: Double?, client: String?) async throws(APIError) -> (JobRecord, [TaskRecord]) {
        if let index = submissions.firstIndex(where: { $0.idempotencyKey != nil }) {
            throw APIError(.invalidField, "tasks[\(index)]: a job's tasks take no 'idempotency_key' (each job is new; keep its job_id to find it again)")
        }
        let job = JobRecord(jobID: UUID().uuidString.lowercased(), name: name, client: client, createdAt: Self.epochNow(),
                            total: submissions.count, deadline: deadline)
        let tasks = submissions.map { submission in
            var submission = submission
            submission.jobID = job.jobID
            submission.deadline = [submission.deadline, deadline].compactMap { $0 }.min()
            return submission
        }
        let records = try await submit(tasks, client: client, job: job).map(\.record)
        return (job, records)
    }

    /// A job as it stands: its tasks from the store, with the live ones as they are in memory.
    func job(_ id: String, for viewer: Viewer) async throws(APIError) -> JobView {
        guard let (job, stored) = try await read({ store -> (JobRecord, [TaskRecord])? in
            guard let job = try await store.job(id: id) else { return nil }
            return (job, try await store.records(jobID: id))
        }), viewer.sees(client: job.client) else {
            throw APIError(.jobNotFound, "no job with id '\(id)'")
        }
        let tasks = core.withLock { core in
            stored.map { record in record.status.isFinished ? record : core.scheduler.task(seq: record.seq)?.record ?? record }
        }
        return JobView(job: job, tasks: tasks)
    }

    /// The job once every task has finished, or as it stands when `wait` runs out.
    func waitForJob(_ id: String, wait: Duration, for viewer: Viewer) async throws(APIError) -> JobView {
        let view = try await job(id, for: viewer)
        if cluster != nil {
            // A cluster's tasks finish at any node: follow the job in the database.
            let deadline = Self.epochNow() + wait.seconds
            var current = view
            while !current.isDone, Self.epochNow() < deadline, !core.withLock({ $0.scheduler.shuttingDown }) {
                try? await Task.sleep(for: .milliseconds(100))
                current = try await job(id, for: viewer)
            }
            return current
        }
        let watch = TaskWatch(taskID: id, deadline: Self.epochNow() + wait.seconds)
        let watching = core.withLock { core in
            guard !core.scheduler.jobIsFinished(id), !core.scheduler.shuttingDown, wait > .zero else { return false }
            core.jobWatches[id, default: []].append(watch)
            return true
        }
        guard watching else { return view.isDone ? view : try await job(id, for: viewer) }
        await watch.signal.sleep()
        return try await job(id, for: viewer)
    }

    /// Cancels every task of the job that has not finished.
    func cancelJob(_ id: String, by viewer: Viewer) async throws(APIError) -> (JobView, cancelled: Int) {
        let view = try await job(id, for: viewer) // found, and the viewer's
        if cluster != nil {
            // Its tasks may live at any node, or wait in the shared queue: each is taken over and cancelled.
            let unfinished = view.tasks.filter { !$0.status.isFinished }
            var cancelled = 0
            for record in unfinished where try await cancel(taskID: record.taskID, by: viewer).record.status == .cancelled {
                cancelled += 1
            }
            return (try await job(id, for: viewer), cancelled)
        }
        let (cancelled, effects) = try event { scheduler in
            let (count, effects) = scheduler.cancelJob(id, by: viewer, now: Self.epochNow())
            return (count, effects)
        }
        try await settle(effects)
        return (try await job(id, for: viewer), cancelled)
    }
}
