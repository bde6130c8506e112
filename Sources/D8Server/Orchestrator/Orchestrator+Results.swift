import D8Core
import D8Store
import Foundation

extension Orchestrator {
    enum ReportOutcome: String {
        case received
        /// The same result again (same worker, same lease): answered, not counted twice.
        case duplicate
    }

    /// Takes a worker's result. Only the worker holding the task's current lease may report it;
    /// old D8 workers send no lease and are accepted while they hold the task.
    func report(taskID: String, workerID: String, lease: String?, result: JSONValue) async throws(APIError) -> ReportOutcome {
        guard let success = result["success"]?.boolValue else {
            throw APIError(.missingField, "missing field 'result.success' (true or false)")
        }
        _ = try? touch(workerID: workerID) // a reaped worker may still send a result; the lease decides
        let now = Self.epochNow()

        enum Step { case recorded(TaskRecord), duplicate, notLive }
        let step = try state.withLock { state throws(APIError) -> Step in
            guard let seq = state.seqByTaskID[taskID], var live = state.tasks[seq] else { return .notLive }
            let r = live.record
            guard r.status == .assigned, r.assignedTo == workerID, lease == nil || lease == r.lease else {
                if Self.isRepeat(of: r, worker: workerID, lease: lease) { return .duplicate }
                releaseOverdueSlot(seq, worker: workerID, in: &state)
                // Refused, but what the provider charged was spent all the same.
                spend(result["cost_usd"]?.doubleValue ?? 0, taskID: taskID, client: r.client, workerType: r.workerType ?? "", in: &state)
                throw Self.staleLease(taskID, workerID: workerID, record: r)
            }
            releaseHold(seq, worker: workerID, in: &state)
            releaseReservations(of: &live, in: &state)
            spend(result["cost_usd"]?.doubleValue ?? 0, taskID: taskID, client: r.client, workerType: r.workerType ?? "", in: &state)
            if success, let type = r.workerType, let assigned = r.assignedAt { state.runTimes[type, default: RunTimes()].record(now - assigned) }
            if success {
                live.record.result = Self.completedResult(result, record: r, now: now).jsonString
                live.record.costUSD = result["cost_usd"]?.doubleValue
                live.record.finish(.completed, at: now)
                state.workers[workerID]?.completed += 1
            } else {
                let message = result["error"]?.stringValue ?? "the worker reported a failure without a message"
                live.record.appendError(message, worker: workerID, at: now, details: result)
                live.record.costUSD = result["cost_usd"]?.doubleValue
                if result["retryable"]?.boolValue == true, r.attempt < r.maxAttempts {
                    live.record.returnToQueue(notBefore: now + retryDelay(attempt: r.attempt, retryAfter: result["retry_after"]?.doubleValue))
                    state.parked.insert(seq)
                } else {
                    live.record.result = Self.completedResult(result, record: r, now: now).jsonString
                    live.record.finish(result["retryable"]?.boolValue == true ? .dead : .failed, at: now)
                }
                state.workers[workerID]?.failed += 1
            }
            state.tasks[seq] = live
            store.enqueueWrite([live.record]) // under the lock: writes keep the order of changes
            // The freed slot may let this worker's own long-poll take more work.
            for waiter in state.waiters where waiter.workerID == workerID { waiter.fire() }
            return .recorded(live.record)
        }

        switch step {
        case .duplicate: return .duplicate
        case .recorded(let record):
            try await flush()
            if record.status.isFinished { forgetFinished([record]) }
            return .received
        case .notLive:
            // Not live: finished and stored, or unknown.
            guard let stored = try? store.record(taskID: taskID) else {
                throw APIError(.notFound, "no task with id '\(taskID)'")
            }
            if Self.isRepeat(of: stored, worker: workerID, lease: lease) { return .duplicate }
            state.withLock { state in
                releaseOverdueSlot(stored.seq, worker: workerID, in: &state)
                spend(result["cost_usd"]?.doubleValue ?? 0, taskID: taskID, client: stored.client, workerType: stored.workerType ?? "", in: &state)
            }
            throw Self.staleLease(taskID, workerID: workerID, record: stored)
        }
    }

    /// The worker's result for this lease was already recorded (a task that finished without
    /// one, by lease expiry or cancel, has no result: a late report of it is stale, not a repeat).
    static func isRepeat(of record: TaskRecord, worker: String, lease: String?) -> Bool {
        record.status.isFinished && record.result != nil && record.assignedTo == worker && (lease == nil || lease == record.lease)
    }

    static func staleLease(_ taskID: String, workerID: String, record: TaskRecord) -> APIError {
        APIError(.staleLease, "worker '\(workerID)' does not hold a current lease on task '\(taskID)' (it is \(record.status.rawValue)); the result was not recorded")
    }

    /// The result as kept: what the worker sent, plus what d8 adds. LLM text is in `output` and,
    /// for old clients, also in `result`.
    static func completedResult(_ result: JSONValue, record: TaskRecord, now: Double) -> JSONValue {
        var object = result.objectValue ?? [:]
        if object["worker_type"] == nil, let type = record.workerType { object["worker_type"] = .string(type) }
        if object["latency_ms"] == nil, let assigned = record.assignedAt { object["latency_ms"] = .number(((now - assigned) * 1000).rounded()) }
        if object["result"] == nil, let output = object["output"] { object["result"] = output }
        if object["output"] == nil, case .string? = object["result"] { object["output"] = object["result"] }
        object["attempt"] = JSONValue(record.attempt)
        return .object(object)
    }

    /// Exponential backoff with jitter, never sooner than the provider's retry-after.
    func retryDelay(attempt: Int, retryAfter: Double?) -> Double {
        let base = config.queue.retryBackoff.seconds, cap = config.queue.retryBackoffMax.seconds
        let exponential = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let jittered = exponential * Double.random(in: 0.5...1.0)
        return max(jittered, min(retryAfter ?? 0, cap * 10))
    }

    /// Waits until every write queued so far is committed.
    func flush() async throws(APIError) {
        do { try await store.flush() } catch {
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw APIError(.shuttingDown, "the task store refused the write: \(error)")
        }
    }

    /// Takes a leased task back from its worker: pending again (or dead when its attempts are
    /// used up), with the reason kept among its errors. Returns the record to write.
    /// `workerStillRuns`: the lease expired but its worker lives; the task leaves it, but the
    /// slot stays busy (see `WorkerEntry.overdue`), so routing does not count on a stuck slot.
    func requeueLeased(_ seq: UInt64, reason: String, countsAsAttempt: Bool, workerStillRuns: Bool = false, in state: inout State) -> TaskRecord? {
        guard var live = state.tasks[seq], live.record.status == .assigned else { return nil }
        let now = Self.epochNow()
        if let worker = live.record.assignedTo {
            if workerStillRuns, state.workers[worker]?.held.remove(seq) != nil {
                state.leased.remove(seq)
                state.workers[worker]?.overdue.insert(seq)
            } else {
                releaseHold(seq, worker: worker, in: &state)
            }
        }
        live.record.appendError(reason, worker: live.record.assignedTo, at: now)
        if !countsAsAttempt { live.record.attempt -= 1 }
        if live.record.attempt >= live.record.maxAttempts {
            releaseReservations(of: &live, in: &state)
            live.record.finish(.dead, at: now)
        } else {
            live.record.returnToQueue()
        }
        state.tasks[seq] = live
        store.enqueueWrite([live.record]) // under the lock: writes keep the order of changes
        return live.record
    }

    /// A late result (refused) ends the attempt that kept a slot busy past its lease.
    func releaseOverdueSlot(_ seq: UInt64, worker: String, in state: inout State) {
        guard state.workers[worker]?.overdue.remove(seq) != nil, let key = state.workers[worker]?.key else { return }
        try? workerTable.releaseSlot(key)
    }

    /// Frees the worker's slot and forgets that it holds the task.
    func releaseHold(_ seq: UInt64, worker: String, in state: inout State) {
        state.leased.remove(seq)
        guard state.workers[worker]?.held.remove(seq) != nil, let key = state.workers[worker]?.key else { return }
        try? workerTable.releaseSlot(key)
    }

    /// After tasks were taken back (and their writes queued): queue the pending ones and wake
    /// workers; the dead ones leave the live state once written.
    func afterRequeue(_ records: [TaskRecord]) {
        guard !records.isEmpty else { return }
        let pending = records.filter { $0.status == .pending }
        for record in pending { pushOrPark(record) }
        wakeWaiters(forTasks: pending.map(\.seq))
        let dead = records.filter(\.status.isFinished)
        guard !dead.isEmpty else { return }
        Task {
            try? await store.flush()
            forgetFinished(dead)
        }
    }
}

extension TaskStatus {
    var isFinished: Bool {
        switch self {
        case .completed, .failed, .cancelled, .dead: true
        case .pending, .assigned, .held: false
        }
    }
}
