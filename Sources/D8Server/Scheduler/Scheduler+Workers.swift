import D8Core
import D8Store

extension Scheduler {
    /// Registers a worker, or starts it afresh when it registers again: whatever it held before
    /// goes back to the queue, since a restarted worker holds nothing.
    mutating func register(workerID: String, workerType: String, capabilities: JSONValue, now: Double) throws(APIError) -> (WorkerState, SchedulerEffects) {
        guard let type = config.workerTypes.first(where: { $0.name == workerType }) else {
            let known = config.workerTypes.map(\.name).joined(separator: ", ")
            throw APIError(.unknownWorkerType, "unknown worker type '\(workerType)' (configured: \(known))")
        }
        let slots: Int
        switch capabilities["slots"] {
        case nil, .null?: slots = min(type.slots, 4096)
        case let value?:
            guard let n = value.intValue, (1...4096).contains(n) else {
                throw APIError(.invalidField, "capabilities.slots must be an integer from 1 to 4096")
            }
            slots = n
        }
        var effects = SchedulerEffects()
        if workers[workerID] != nil {
            drop(workerID, reason: "worker \(workerID) registered again while holding this task", countsAsAttempt: true, now: now, effects: &effects)
        }
        let worker = WorkerState(
            id: workerID, generation: nextGeneration, workerType: workerType, slots: slots,
            taskTypes: config.taskTypes.filter { $0.route.contains(workerType) }.map(\.name),
            capabilities: capabilities, registeredAt: now, lastSeen: now)
        nextGeneration += 1
        workers[workerID] = worker
        freeSlotsByType[workerType, default: 0] += worker.freeSlots
        // The worker's plugin knows its prices (with the config's overrides applied).
        prices.learn(workerType, description: capabilities)
        return (worker, effects)
    }

    /// Any request from a worker counts as a heartbeat. Unknown or reaped workers get a 404
    /// that tells them to register again.
    @discardableResult
    mutating func heartbeat(workerID: String, now: Double) throws(APIError) -> WorkerState {
        guard workers[workerID] != nil else { throw Self.unknownWorker(workerID) }
        workers[workerID]!.lastSeen = now
        return workers[workerID]!
    }

    static func unknownWorker(_ id: String) -> APIError {
        APIError(.unknownWorker, "worker '\(id)' is not registered (or missed its heartbeats); register again with POST /api/workers/register")
    }

    /// A worker leaves: its leased tasks go back to the queue at once, without using up an attempt.
    mutating func unregister(workerID: String, now: Double) throws(APIError) -> (requeued: Int, effects: SchedulerEffects) {
        guard let worker = workers[workerID] else { throw Self.unknownWorker(workerID) }
        var effects = SchedulerEffects()
        drop(workerID, reason: "worker \(workerID) unregistered", countsAsAttempt: false, now: now, effects: &effects)
        return (worker.held.count, effects)
    }

    /// Forgets a worker; what it held goes back to the queue, its long-polls end.
    mutating func drop(_ workerID: String, reason: String, countsAsAttempt: Bool, now: Double, effects: inout SchedulerEffects) {
        guard let worker = workers[workerID] else { return }
        if countsAsAttempt { // an unregister is logged by the orchestrator as such
            effects.notices.append(SchedulerNotice(level: .warning, message: "worker dropped", metadata: [
                "worker_id": workerID, "worker_type": worker.workerType, "tasks_requeued": "\(worker.held.count)", "reason": reason,
            ]))
        }
        for seq in worker.held.sorted() {
            requeueLeased(seq, reason: reason, countsAsAttempt: countsAsAttempt, now: now, effects: &effects)
        }
        freeSlotsByType[worker.workerType, default: 0] -= workers[workerID]?.freeSlots ?? 0
        workers[workerID] = nil
        effects.wake += wakeWorker(workerID)
    }

    /// Workers in the order they registered.
    var workerList: [WorkerState] { workers.values.sorted { $0.registeredAt < $1.registeredAt } }
}
