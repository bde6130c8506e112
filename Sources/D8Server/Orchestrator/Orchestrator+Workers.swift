import D8Core
import D8Store
import Foundation

extension Orchestrator {
    /// Registers a worker, or starts it afresh when it registers again: whatever it held before
    /// goes back to the queue, since a restarted worker holds nothing.
    func register(workerID: String, workerType: String, capabilities: JSONValue) async throws(APIError) -> WorkerEntry {
        guard let typeIndex = config.workerTypeIndex(named: workerType) else {
            let known = config.workerTypes.map(\.name).joined(separator: ", ")
            throw APIError(.unknownWorkerType, "unknown worker type '\(workerType)' (configured: \(known))")
        }
        let slots: Int
        switch capabilities["slots"] {
        case nil, .null?: slots = min(config.workerTypes[typeIndex].slots, 4096)
        case let value?:
            guard let n = value.intValue, (1...4096).contains(n) else {
                throw APIError(.invalidField, "capabilities.slots must be an integer from 1 to 4096")
            }
            slots = n
        }
        let taskTypes = config.taskTypes.filter { $0.route.contains(workerType) }.map(\.name)
        let now = Self.epochNow()
        let (entry, orphans) = try state.withLock { state throws(APIError) -> (WorkerEntry, [TaskRecord]) in
            // Each registration gets a new key, so the long-polls and reaper verdicts of a
            // worker's previous life cannot act on this one.
            let key = state.nextWorkerKey
            do {
                try workerTable.register(key, type: typeIndex, slots: slots, now: ticks())
            } catch {
                throw APIError(.shuttingDown, "cannot register worker: \(error)")
            }
            state.nextWorkerKey += 1
            var orphans: [TaskRecord] = []
            if let previous = state.workers[workerID] {
                orphans = previous.held.compactMap { seq in
                    requeueLeased(seq, reason: "worker \(workerID) registered again while holding this task", countsAsAttempt: true, in: &state)
                }
                dropWorker(previous, in: &state)
            }
            let entry = WorkerEntry(
                id: workerID, key: key, workerType: workerType, typeIndex: typeIndex, slots: slots,
                taskTypes: taskTypes, capabilities: capabilities, registeredAt: now, lastSeen: now
            )
            state.workers[workerID] = entry
            state.workerIDByKey[key] = workerID
            // The worker's plugin knows its prices (with the config's overrides applied).
            state.prices.learn(workerType, description: capabilities)
            return (entry, orphans)
        }
        afterRequeue(orphans)
        logger.info("worker registered", metadata: ["worker_id": "\(workerID)", "worker_type": "\(workerType)", "slots": "\(slots)"])
        return entry
    }

    /// Any request from a worker counts as a heartbeat. Unknown or reaped workers get a 404
    /// that tells them to register again.
    @discardableResult
    func touch(workerID: String) throws(APIError) -> WorkerEntry {
        let now = Self.epochNow()
        let entry = state.withLock { state -> WorkerEntry? in
            state.workers[workerID]?.lastSeen = now
            return state.workers[workerID]
        }
        guard let entry else { throw Self.unknownWorker(workerID) }
        do { try workerTable.heartbeat(entry.key, now: ticks()) } catch { throw Self.unknownWorker(workerID) }
        return entry
    }

    static func unknownWorker(_ id: String) -> APIError {
        APIError(.unknownWorker, "worker '\(id)' is not registered (or missed its heartbeats); register again with POST /api/workers/register")
    }

    /// A worker leaves: its leased tasks go back to the queue at once, without using up an attempt.
    func unregister(workerID: String) async throws(APIError) {
        let orphans = try state.withLock { state throws(APIError) -> [TaskRecord] in
            guard let entry = state.workers[workerID] else { throw Self.unknownWorker(workerID) }
            let orphans = entry.held.compactMap { seq in
                requeueLeased(seq, reason: "worker \(workerID) unregistered", countsAsAttempt: false, in: &state)
            }
            dropWorker(entry, in: &state)
            return orphans
        }
        afterRequeue(orphans)
        logger.info("worker unregistered", metadata: ["worker_id": "\(workerID)", "requeued": "\(orphans.count)"])
    }

    func dropWorker(_ entry: WorkerEntry, in state: inout State) {
        state.workers[entry.id] = nil
        state.workerIDByKey[entry.key] = nil
        try? workerTable.remove(entry.key)
        for waiter in state.waiters where waiter.workerID == entry.id { waiter.fire() }
    }

    func workerList() -> [(WorkerEntry, WorkerRow?)] {
        state.withLock { state in state.workers.values.sorted { $0.registeredAt < $1.registeredAt } }
            .map { ($0, workerTable.worker($0.key)) }
    }
}
