import D8Contracts
import D8Core
import D8Store
import Foundation

extension Scheduler {
    enum ReportOutcome: Sendable {
        case received(SchedulerEffects)
        /// The same result again (same worker, same lease): answered, not counted twice.
        case duplicate
        /// Refused: the worker holds no current lease on it (what it cost still counts).
        case stale(TaskRecord, SchedulerEffects)
        /// Not live: finished and stored, or unknown. Ask the store, then `lateResult`.
        case notLive
    }

    /// A worker's result. Only the worker holding the task's current lease may report it; old
    /// D8 workers send no lease and are accepted while they hold the task.
    mutating func report(taskID: String, workerID: String, lease: String?, result: JSONValue, now: Double) throws(APIError) -> ReportOutcome {
        guard let claimed = result["success"]?.boolValue else {
            throw APIError(.missingField, "missing field 'result.success' (true or false)")
        }
        _ = try? heartbeat(workerID: workerID, now: now) // a reaped worker may still report; the lease decides
        guard let seq = seqByTaskID[taskID], var live = tasks[seq] else { return .notLive }
        var effects = SchedulerEffects()
        let r = live.record
        let cost = result["cost_usd"]?.doubleValue ?? 0
        guard !Self.isRepeat(of: r, worker: workerID, lease: lease) else { return .duplicate }
        // On time or late, the call was made and paid for.
        effects.observations.append(.providerCall(Self.call(result, record: r, succeeded: claimed, now: now)))
        guard r.status == .assigned, r.assignedTo == workerID, lease == nil || lease == r.lease else {
            lateResult(for: r, workerID: workerID, cost: cost, now: now, effects: &effects)
            return .stale(r, effects)
        }
        var (success, result) = (claimed, result)
        if success, let breach = ResultContract.breach(of: result, taskType: r.type, data: { try? JSONValue.parse(r.data) }) {
            (success, result) = (false, Self.breachedContract(result, breach))
        }
        releaseHold(seq, worker: workerID)
        releaseReservations(of: &live)
        spend(cost, taskID: taskID, client: r.client, workerType: r.workerType ?? "", now: now, effects: &effects)
        live.record.costUSD = result["cost_usd"]?.doubleValue
        let retryable = result["retryable"]?.boolValue == true
        if success {
            if let type = r.workerType, let assigned = r.assignedAt { runTimes[type, default: RunTimes()].record(now - assigned) }
            live.record.result = Self.keptResult(result, record: r, now: now).jsonString
            live.record.finish(.completed, at: now)
            updateWorker(workerID) { $0.completed += 1 }
        } else {
            let message = result["error"]?.stringValue ?? "the worker reported a failure without a message"
            live.record.appendError(message, worker: workerID, at: now, details: result)
            if let type = r.workerType, !live.failedOn.contains(type) { live.failedOn.append(type) }
            // Another worker type that has not failed it takes it at once (fallback); the same
            // one again only after the backoff.
            let fallback = live.plan.candidates.contains { !live.failedOn.contains($0.workerType) }
            let retryAt = retryable && r.attempt < r.maxAttempts
                ? now + (fallback ? 0 : retryDelay(attempt: r.attempt, retryAfter: result["retry_after"]?.doubleValue)) : nil
            if let retryAt, isOverdue(r, at: retryAt) {
                live.record.result = Self.keptResult(result, record: r, now: now).jsonString
                live.record.appendError(Self.noRetryPastDeadline, worker: nil, at: now)
                live.record.finish(.expired, at: now)
            } else if let retryAt {
                live.record.returnToQueue(notBefore: retryAt)
                live.plan = plan(for: live)
                parked.insert(seq)
                effects.observations.append(.retried(taskType: r.type))
            } else {
                live.record.result = Self.keptResult(result, record: r, now: now).jsonString
                live.record.finish(retryable ? .dead : .failed, at: now)
            }
            updateWorker(workerID) { $0.failed += 1 }
        }
        put(live)
        effects.writes.append(.update(live.record))
        effects.mustFlush = true // a worker's result is durable before it is acknowledged
        if live.record.status.isFinished { effects.finished.append(live.record) }
        // The freed slot may let this worker's own long-poll take more work.
        effects.wake += wakeWorker(workerID)
        return .received(effects)
    }

    /// A refused result of a task that is no longer live (or no longer this worker's): it ends
    /// the attempt that kept a slot busy past its lease, and what it cost was spent all the same.
    mutating func lateResult(for record: TaskRecord, workerID: String, cost: Double, now: Double, effects: inout SchedulerEffects) {
        if workers[workerID]?.overdue.contains(record.seq) == true {
            updateWorker(workerID) { $0.endOverdue(record.seq) }
        }
        spend(cost, taskID: record.taskID, client: record.client, workerType: record.workerType ?? "", now: now, effects: &effects)
    }

    /// What a result says of the provider call behind it, for the metrics.
    static func call(_ result: JSONValue, record: TaskRecord, succeeded: Bool, now: Double) -> SchedulerObservation.ProviderCall {
        let usage = result["usage"]
        return SchedulerObservation.ProviderCall(
            workerType: record.workerType ?? "", model: result["model"]?.stringValue ?? "", succeeded: succeeded,
            inputTokens: usage?["input_tokens"]?.intValue ?? 0, outputTokens: usage?["output_tokens"]?.intValue ?? 0,
            costUSD: result["cost_usd"]?.doubleValue ?? 0, seconds: record.assignedAt.map { now - $0 },
            firstTokenSeconds: result["first_token_ms"]?.doubleValue.map { $0 / 1000 })
    }

    /// The worker's result for this lease was already recorded (a task that finished without
    /// one, by lease expiry or cancel, has no result: a late report of it is stale, not a repeat).
    static func isRepeat(of record: TaskRecord, worker: String, lease: String?) -> Bool {
        record.status.isFinished && record.result != nil && record.assignedTo == worker && (lease == nil || lease == record.lease)
    }

    /// A success that breaks its task type's contract, as the retryable failure it is: what it
    /// cost and used is kept, so the spend still counts.
    static func breachedContract(_ result: JSONValue, _ breach: String) -> JSONValue {
        var object = result.objectValue ?? [:]
        object["success"] = false
        object["error"] = .string("the worker's result broke its task type's contract: \(breach)")
        object["retryable"] = true
        return .object(object)
    }

    static let noRetryPastDeadline = "not retried: the next attempt would start after the task's deadline"

    static func staleLease(_ taskID: String, workerID: String, record: TaskRecord) -> APIError {
        APIError(.staleLease, "worker '\(workerID)' does not hold a current lease on task '\(taskID)' (it is \(record.status.rawValue)); the result was not recorded")
    }

    /// The result as kept: what the worker sent, plus what d8 adds. LLM text is in `output` (D8's
    /// own workers sent `response`) and, for old clients, also in `result`; D8's `tokens_used`
    /// is the usage's sum.
    static func keptResult(_ result: JSONValue, record: TaskRecord, now: Double) -> JSONValue {
        var object = result.objectValue ?? [:]
        if object["worker_type"] == nil, let type = record.workerType { object["worker_type"] = .string(type) }
        if object["latency_ms"] == nil, let assigned = record.assignedAt { object["latency_ms"] = .number(((now - assigned) * 1000).rounded()) }
        if object["output"] == nil, case .string? = object["response"] { object["output"] = object["response"] }
        if object["result"] == nil, let output = object["output"] { object["result"] = output }
        if object["tokens_used"] == nil, let usage = object["usage"]?.objectValue {
            object["tokens_used"] = JSONValue((usage["input_tokens"]?.intValue ?? 0) + (usage["output_tokens"]?.intValue ?? 0))
        }
        if object["output"] == nil, case .string? = object["result"] { object["output"] = object["result"] }
        object["attempt"] = JSONValue(record.attempt)
        return .object(object)
    }

    /// Exponential backoff with jitter, never sooner than the provider's retry-after.
    mutating func retryDelay(attempt: Int, retryAfter: Double?) -> Double {
        let base = config.queue.retryBackoff.seconds, cap = config.queue.retryBackoffMax.seconds
        let exponential = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        let jittered = exponential * Double.random(in: 0.5...1.0, using: &random)
        return max(jittered, min(retryAfter ?? 0, cap * 10))
    }

    /// Frees the worker's slot and forgets that it holds the task.
    mutating func releaseHold(_ seq: UInt64, worker: String) {
        leased.remove(seq)
        if workers[worker]?.held.contains(seq) == true { updateWorker(worker) { $0.held.remove(seq) } }
    }

    /// Takes a leased task back from its worker: pending again (or dead when its attempts are
    /// used up), with the reason kept among its errors.
    /// `workerStillRuns`: the lease expired but its worker lives; the task leaves it, but the
    /// slot stays busy (see `WorkerState.overdue`), so routing does not count on a stuck slot.
    mutating func requeueLeased(_ seq: UInt64, reason: String, countsAsAttempt: Bool, workerStillRuns: Bool = false, now: Double, effects: inout SchedulerEffects) {
        guard var live = tasks[seq], live.record.status == .assigned else { return }
        if let worker = live.record.assignedTo {
            if workerStillRuns, workers[worker]?.held.contains(seq) == true {
                leased.remove(seq)
                updateWorker(worker) { $0.held.remove(seq); $0.overdue.append(seq) }
            } else {
                releaseHold(seq, worker: worker)
            }
        }
        live.record.appendError(reason, worker: live.record.assignedTo, at: now)
        if !countsAsAttempt { live.record.attempt -= 1 }
        let overdue = isOverdue(live.record, at: now)
        if live.record.attempt >= live.record.maxAttempts || overdue {
            releaseReservations(of: &live)
            if overdue { live.record.appendError(Self.noRetryPastDeadline, worker: nil, at: now) }
            live.record.finish(overdue ? .expired : .dead, at: now)
            put(live)
            effects.writes.append(.update(live.record))
            effects.finished.append(live.record)
            return
        }
        effects.observations.append(.retried(taskType: live.record.type))
        effects.notices.append(SchedulerNotice(level: .notice, message: "task requeued", metadata: [
            "task_id": live.record.taskID, "task_type": live.record.type, "worker_id": live.record.assignedTo ?? "",
            "worker_type": live.record.workerType ?? "", "attempt": "\(live.record.attempt)", "reason": reason,
        ]))
        live.record.returnToQueue()
        put(live)
        effects.writes.append(.update(live.record))
        enqueue(seq, now: now)
        effects.wake += wakeFor(tasks: [seq])
    }
}
