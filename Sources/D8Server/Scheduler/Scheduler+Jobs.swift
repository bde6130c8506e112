import D8Core
import D8Store

/// Jobs (many tasks under one handle) and deadlines.
extension Scheduler {
    /// Keeps the set of a job's unfinished tasks as they change.
    mutating func track(_ seq: UInt64, inJob job: String, finished: Bool) {
        if finished {
            guard var members = jobs[job] else { return }
            members.remove(seq)
            jobs[job] = members.isEmpty ? nil : members
        } else {
            jobs[job, default: []].insert(seq)
        }
    }

    /// Whether every task of a job has finished (or the job is unknown here).
    func jobIsFinished(_ job: String) -> Bool { jobs[job] == nil }

    /// Cancels every unfinished task of a job the viewer may see; returns how many.
    mutating func cancelJob(_ job: String, by viewer: Viewer, now: Double) -> (cancelled: Int, effects: SchedulerEffects) {
        var effects = SchedulerEffects()
        var count = 0
        for seq in (jobs[job] ?? []).sorted() {
            guard let taskID = tasks[seq]?.record.taskID, case let .cancelled(_, more) = cancel(taskID: taskID, by: viewer, now: now) else { continue }
            effects.append(more)
            count += 1
        }
        return (count, effects)
    }

    /// Tasks whose deadline passed before any worker leased them end `expired`, wherever they
    /// wait (a queue, a retry's backoff, a budget hold). Called by `tick`.
    mutating func expireOverdue(now: Double, effects: inout SchedulerEffects) {
        guard !withDeadline.isEmpty else { return }
        let overdue = withDeadline.filter { (tasks[$0]?.record.deadline ?? .infinity) <= now }
        for seq in overdue.sorted() { expire(seq, now: now, effects: &effects) }
    }

    /// Ends a task that waits for a lease as `expired`, with the reason among its errors.
    mutating func expire(_ seq: UInt64, now: Double, effects: inout SchedulerEffects) {
        guard var live = tasks[seq], live.record.status.waitsForLease else { return }
        dequeue(&live)
        parked.remove(seq)
        held.remove(seq)
        releaseReservations(of: &live)
        live.record.heldReason = nil
        live.record.appendError("its deadline passed before a worker leased it", worker: nil, at: now)
        live.record.finish(.expired, at: now)
        put(live)
        effects.writes.append(.update(live.record))
        effects.finished.append(live.record)
    }

    /// Whether a task's deadline has passed (a task without one never expires).
    func isOverdue(_ record: TaskRecord, at time: Double) -> Bool {
        record.deadline.map { $0 <= time } ?? false
    }
}
