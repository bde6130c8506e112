import D8Core
import D8Store
import Foundation

/// A validated submission.
struct Submission: Sendable {
    var type: String
    var data: JSONValue
    var priority: Int
    var idempotencyKey: String?
    /// The submit's own cost ceiling, on top of its task type's.
    var maxCostUSD: Double?
}

extension Orchestrator {
    /// Accepts tasks: each is on disk before this returns, then queued and offered to waiting
    /// workers. A repeated idempotency key returns the first task instead of a new one.
    /// All-or-nothing for a batch: every submission is checked before any is stored.
    func submit(_ submissions: [Submission], client: String?) async throws(APIError) -> [(record: TaskRecord, created: Bool)] {
        for submission in submissions where config.taskType(named: submission.type) == nil {
            let known = config.taskTypes.map(\.name).sorted().joined(separator: ", ")
            throw APIError(.unknownTaskType, "unknown task type '\(submission.type)' (known: \(known))")
        }
        let now = Self.epochNow()
        var results: [TaskRecord?] = Array(repeating: nil, count: submissions.count)
        var fresh: [(index: Int, live: LiveTask)] = []

        // Keys of finished tasks are only in the store; live ones are in memory.
        var stored: [String: TaskRecord] = [:]
        for key in submissions.compactMap(\.idempotencyKey) {
            if let record = try? store.record(idempotencyKey: key) { stored[key] = record }
        }

        // Claim idempotency keys under the lock, so two racing submits cannot both create.
        try state.withLock { state throws(APIError) in
            if state.shuttingDown { throw APIError(.shuttingDown, "the orchestrator is shutting down") }
            for (index, submission) in submissions.enumerated() {
                if let key = submission.idempotencyKey {
                    if let seq = state.seqByIdempotencyKey[key] {
                        results[index] = state.tasks[seq]?.record ?? TaskRecord.placeholder(seq: seq)
                        continue
                    }
                    if let first = stored[key] {
                        results[index] = first
                        continue
                    }
                }
                var live = LiveTask(record: TaskRecord(
                    seq: allocateSeq(), taskID: UUID().uuidString.lowercased(), type: submission.type,
                    data: submission.data.jsonString, priority: submission.priority, status: .pending,
                    attempt: 0, maxAttempts: config.queue.maxAttempts, createdAt: now,
                    idempotencyKey: submission.idempotencyKey, client: client, maxCostUSD: submission.maxCostUSD
                ), data: submission.data)
                // Routed before anything is stored: a task no worker type may take is refused.
                live.plan = plan(live, in: state)
                guard !live.plan.candidates.isEmpty else {
                    throw APIError(.noEligibleWorkerType, (submissions.count > 1 ? "tasks[\(index)]: " : "") + live.plan.refusal)
                }
                if let reason = anyFits(live, in: state) {
                    live.record.status = .held
                    live.record.heldReason = reason
                }
                fresh.append((index, live))
            }
            for entry in fresh {
                if let key = entry.live.record.idempotencyKey { state.seqByIdempotencyKey[key] = entry.live.record.seq }
            }
        }

        do {
            try await store.write(fresh.map(\.live.record))
        } catch {
            state.withLock { state in
                for entry in fresh { if let key = entry.live.record.idempotencyKey { state.seqByIdempotencyKey[key] = nil } }
            }
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw APIError(.shuttingDown, "the task store refused the write; nothing was accepted: \(error)")
        }

        state.withLock { state in
            for entry in fresh {
                let seq = entry.live.record.seq
                state.tasks[seq] = entry.live
                state.seqByTaskID[entry.live.record.taskID] = seq
                if entry.live.record.status == .held { state.held.insert(seq) } else { pushOrPark(seq, in: &state) }
                results[entry.index] = entry.live.record
            }
        }
        wakeWaiters(forTasks: fresh.filter { $0.live.record.status == .pending }.map(\.live.record.seq))

        // A placeholder stands for a first task of the same key that another submit was still
        // writing; once the writes queued before now are committed, it can be read back.
        if results.contains(where: { $0?.taskID.isEmpty ?? true }) {
            try? await store.flush()
            for index in results.indices where results[index]?.taskID.isEmpty ?? true {
                let key = submissions[index].idempotencyKey ?? ""
                guard let first = try? store.record(idempotencyKey: key) else {
                    throw APIError(.conflict, "a task with idempotency key '\(key)' is being submitted; try again")
                }
                results[index] = first
            }
        }
        let created = Set(fresh.map(\.live.record.seq))
        return results.map { ($0!, created.contains($0!.seq)) }
    }

    /// Cancels a task that has not finished. A leased task is cancelled too; its worker's result
    /// is then refused.
    func cancel(taskID: String) async throws(APIError) -> TaskRecord {
        let now = Self.epochNow()
        let cancelled: (TaskRecord, Lane?)? = state.withLock { state in
            guard let seq = state.seqByTaskID[taskID], var live = state.tasks[seq] else { return nil }
            // Finished but not yet written: the outcome stands.
            guard !live.record.status.isFinished else { return (live.record, nil) }
            if live.record.status == .assigned, let worker = live.record.assignedTo {
                releaseHold(seq, worker: worker, in: &state)
            }
            state.parked.remove(seq)
            state.held.remove(seq)
            releaseReservations(of: &live, in: &state)
            live.record.finish(.cancelled, at: now)
            state.tasks[seq] = live
            store.enqueueWrite([live.record]) // under the lock: writes keep the order of changes
            return (live.record, live.lane)
        }
        if let (record, lane) = cancelled {
            // Out of the queue now, outside the lock (linear in the queue); a pop that wins the
            // race finds the task cancelled and skips it.
            _ = lane?.queue.remove(record.seq)
            try await flush()
            forgetFinished([record])
            return record
        }
        guard let stored = try? store.record(taskID: taskID) else { throw APIError(.notFound, "no task with id '\(taskID)'") }
        return stored // already finished: cancelling changes nothing
    }

    /// A task by its public id, live or finished.
    func task(_ taskID: String) throws(APIError) -> TaskRecord {
        if let live = state.withLock({ state in state.seqByTaskID[taskID].flatMap { state.tasks[$0]?.record } }) {
            return live
        }
        guard let stored = try? store.record(taskID: taskID) else { throw APIError(.notFound, "no task with id '\(taskID)'") }
        return stored
    }

    /// Drops written, finished tasks from the live state: until their writes commit, status and
    /// idempotency lookups still find them in memory.
    /// Also wakes the clients waiting for these tasks to finish.
    func forgetFinished(_ records: [TaskRecord]) {
        let ids = Set(records.map(\.taskID))
        let watches = state.withLock { state in
            for record in records where state.tasks[record.seq]?.record.status.isFinished == true {
                state.tasks[record.seq] = nil
                state.seqByTaskID[record.taskID] = nil
                if let key = record.idempotencyKey { state.seqByIdempotencyKey[key] = nil }
            }
            return state.watches.filter { ids.contains($0.taskID) }
        }
        for watch in watches { watch.signal.fire() }
    }
}

extension TaskRecord {
    /// Stands for a task whose submit is still being committed by another request.
    static func placeholder(seq: UInt64) -> TaskRecord {
        TaskRecord(seq: seq, taskID: "", type: "", data: "{}", priority: 5, status: .pending, attempt: 0, maxAttempts: 1, createdAt: 0)
    }
}
