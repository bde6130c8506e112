import D8Core
import D8Store

/// A validated submission.
struct Submission: Sendable {
    var type: String
    var data: JSONValue
    var priority: Int
    var idempotencyKey: String?
    /// The submit's own cost ceiling, on top of its task type's.
    var maxCostUSD: Double?
    /// Unix seconds: not leased by then, the task ends `expired`.
    var deadline: Double?
    /// The job it is part of.
    var jobID: String?
    /// false: the submit refused the result cache (its result still feeds it).
    var usesCache = true
    /// Where its result goes in the result cache (its type keeps one).
    var cacheKey: String?
    /// A completed task with the same type, client and data, within the cache's TTL: this
    /// submit is answered from it.
    var cachedFrom: TaskRecord?
    /// The front door's requests are refused (429) when no budget admits them, not held: their
    /// callers wait on an open connection.
    var holdsOverBudget = true
    /// The front door streams its answer from this node's memory: in a cluster its task stays
    /// at the node that took the request, for that node's workers.
    var answeredHere = false
}

extension Scheduler {
    /// What `admit` decided for one submission.
    enum Admission: Sendable {
        /// A new task, to be written and then `accept`ed.
        case new(LiveTask)
        /// Its idempotency key names a task already here (or already stored).
        case existing(TaskRecord)
        /// Its key names a task another submit is still writing: look again once that commits.
        case beingWritten(key: String)
    }

    /// Checks, routes and numbers a batch, all or nothing, and claims its idempotency keys so
    /// two racing submits cannot both create. Nothing is queued until `accept`. Keys are the
    /// client's own: another client's key of the same spelling is another key.
    /// `stored`: the client's tasks of these keys found in the store (finished ones are only there).
    mutating func admit(
        _ submissions: [Submission], client: String?, stored: [String: TaskRecord], now: Double, newTaskID: () -> String
    ) throws(APIError) -> [Admission] {
        if shuttingDown { throw APIError(.shuttingDown, "the orchestrator is shutting down") }
        for submission in submissions where config.taskType(named: submission.type) == nil {
            let known = config.taskTypes.map(\.name).sorted().joined(separator: ", ")
            throw APIError(.unknownTaskType, "unknown task type '\(submission.type)' (known: \(known))")
        }
        var admissions: [Admission] = []
        var claimed: [String: Int] = [:] // keys repeated within this batch
        for (index, submission) in submissions.enumerated() {
            if let key = submission.idempotencyKey {
                if let first = claimed[key], case let .new(live) = admissions[first] {
                    admissions.append(.existing(live.record))
                    continue
                }
                if let seq = seqByIdempotencyKey[IdempotencyScope(client: client, key: key)] {
                    admissions.append(tasks[seq].map { .existing($0.record) } ?? .beingWritten(key: key))
                    continue
                }
                if let first = stored[key] {
                    admissions.append(.existing(first))
                    continue
                }
            }
            if let deadline = submission.deadline, deadline <= now {
                throw APIError(.invalidField, (submissions.count > 1 ? "tasks[\(index)]: " : "") + "deadline \(deadline) has already passed (now is \(now.rounded(.down)))")
            }
            var live = LiveTask(record: TaskRecord(
                seq: 0, taskID: newTaskID(), type: submission.type, data: submission.data.jsonString,
                priority: submission.priority, status: .pending, attempt: 0, maxAttempts: config.queue.maxAttempts,
                createdAt: now, idempotencyKey: submission.idempotencyKey, client: client, maxCostUSD: submission.maxCostUSD,
                jobID: submission.jobID, deadline: submission.deadline, cacheKey: submission.cacheKey
            ), data: submission.data)
            live.answeredHere = submission.answeredHere
            if let original = submission.cachedFrom {
                live.record.completeFromCache(original, at: now)
                if let key = submission.idempotencyKey { claimed[key] = admissions.count }
                admissions.append(.new(live))
                continue
            }
            // Routed before anything is stored: a task no worker type may take is refused.
            live.plan = plan(for: live)
            guard !live.plan.candidates.isEmpty else {
                throw APIError(.noEligibleWorkerType, (submissions.count > 1 ? "tasks[\(index)]: " : "") + live.plan.refusal)
            }
            if let reason = whyNoneFits(live) {
                guard submission.holdsOverBudget else {
                    // Waiting would not help a model whose price nobody knows: unknown is not free.
                    if live.plan.candidates.allSatisfy({ $0.estimateUSD == nil }) { throw APIError(.unknownPrice, reason) }
                    throw APIError(.budgetExceeded, reason, retryAfter: budget.secondsUntilNextDay(now: now))
                }
                live.record.status = .held
                live.record.heldReason = reason
            }
            if let key = submission.idempotencyKey { claimed[key] = admissions.count }
            admissions.append(.new(live))
        }
        // Numbered and claimed only once the whole batch passed.
        guard seqsLeft >= UInt64(admissions.count) else {
            throw APIError(.shuttingDown, "this node has no task numbers left; try again")
        }
        for index in admissions.indices {
            guard case var .new(live) = admissions[index] else { continue }
            live.record.seq = nextSeq
            nextSeq += 1
            admissions[index] = .new(live)
            if let key = live.record.idempotencyScope { seqByIdempotencyKey[key] = live.record.seq }
        }
        return admissions
    }

    /// The store refused the batch: its keys are free again.
    mutating func abandon(_ admitted: [LiveTask]) {
        for live in admitted {
            if let key = live.record.idempotencyScope, seqByIdempotencyKey[key] == live.record.seq, tasks[live.record.seq] == nil {
                seqByIdempotencyKey[key] = nil
            }
        }
    }

    /// Admitted tasks are on disk: queue them (or hold them) and wake workers for them.
    mutating func accept(_ admitted: [LiveTask], now: Double) -> SchedulerEffects {
        var effects = SchedulerEffects()
        var ready: [UInt64] = []
        for live in admitted {
            // A cluster node: the task waits in the shared queue, for whichever node has a
            // worker for it (`adopt`); only a cache hit, already final, is answered here.
            if shared, !live.answeredHere, live.record.status != .completed {
                abandon([live])
                continue
            }
            put(live)
            if live.record.status == .completed {
                forget(live.record.seq) // a cache hit, already stored: the store answers for it
                effects.finished.append(live.record)
            } else if live.record.status == .held {
                held.insert(live.record.seq)
                effects.observations.append(.held(taskType: live.record.type))
            } else {
                enqueue(live.record.seq, now: now)
                ready.append(live.record.seq)
            }
        }
        effects.wake = wakeFor(tasks: ready)
        return effects
    }

    enum CancelOutcome: Sendable {
        case cancelled(TaskRecord, SchedulerEffects)
        /// Already finished (its write may still be queued): cancelling changes nothing.
        case alreadyFinished(TaskRecord)
        /// Not live: finished long ago (ask the store) or unknown.
        case notLive
    }

    /// Cancels a task that has not finished. A leased task is cancelled too; its worker's result
    /// is then refused.
    mutating func cancel(taskID: String, by viewer: Viewer, now: Double) -> CancelOutcome {
        guard let seq = seqByTaskID[taskID], var live = tasks[seq], viewer.sees(live.record) else { return .notLive }
        guard !live.record.status.isFinished else { return .alreadyFinished(live.record) }
        if live.record.status == .assigned, let worker = live.record.assignedTo { releaseHold(seq, worker: worker) }
        dequeue(&live)
        parked.remove(seq)
        held.remove(seq)
        releaseReservations(of: &live)
        live.record.finish(.cancelled, at: now)
        put(live)
        return .cancelled(live.record, SchedulerEffects(writes: [.update(live.record)], finished: [live.record]))
    }
}
