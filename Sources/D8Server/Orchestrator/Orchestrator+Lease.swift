import D8Core
import D8Store
import Foundation

extension Orchestrator {
    /// Leases up to `max` tasks to a worker, waiting up to `wait` for the first one (long-poll).
    /// Returns as soon as a task it may serve is submitted, at the deadline, or at shutdown.
    func lease(workerID: String, max: Int, wait: Duration) async throws(APIError) -> [JSONValue] {
        let entry = try touch(workerID: workerID)
        let deadline = ContinuousClock.now + wait
        while true {
            let leased = try await leaseNow(entry, max: max)
            if !leased.isEmpty || wait <= .zero || ContinuousClock.now >= deadline { return leased }

            // Register first, then look again: a submit that lands in between wakes us.
            let waiter = Waiter(workerID: workerID, deadline: deadline)
            let open = state.withLock { state in
                if !state.shuttingDown { state.waiters.append(waiter) }
                return !state.shuttingDown
            }
            guard open else { return [] }
            let again = try await leaseNow(entry, max: max)
            if again.isEmpty { await waiter.sleep() }
            state.withLock { state in state.waiters.removeAll { $0 === waiter } }
            if !again.isEmpty { return again }
            if state.withLock({ $0.shuttingDown || $0.workers[workerID]?.key != entry.key }) { return [] }
        }
    }

    /// `tryLease`, and when a lease reserved budget, the wait until that reservation is on disk:
    /// a worker starts spending as soon as it has the task, so a crash must not forget it.
    private func leaseNow(_ entry: WorkerEntry, max: Int) async throws(APIError) -> [JSONValue] {
        let (leased, reserved) = tryLease(entry, max: max)
        if reserved { try await flush() }
        return leased
    }

    /// Takes tasks for a worker now, as many as it asks for and has free slots, from the lanes
    /// its worker type may take from (see `TaskRouter.mayTake`) and within the budgets.
    func tryLease(_ entry: WorkerEntry, max: Int) -> (tasks: [JSONValue], reserved: Bool) {
        enum Step { case taken(LiveTask, reserved: Bool), next, stop, leftForFreeTypes(UInt64) }
        var leased: [JSONValue] = []
        var reservedAny = false
        var leftForOthers: [UInt64] = []
        defer { wakeWaiters(forTasks: leftForOthers, all: true) }
        loop: while leased.count < max, (try? workerTable.acquireSlot(entry.key)) == true {
            guard let item = popBest(for: entry.workerType) else {
                try? workerTable.releaseSlot(entry.key)
                break
            }
            let now = Self.epochNow()
            let step: Step = state.withLock { state in
                guard var live = state.tasks[item.id], live.record.status == .pending else { return .next }
                guard state.workers[entry.id]?.key == entry.key else {
                    // The worker left while we popped: the task goes straight back.
                    pushOrPark(item.id, in: &state)
                    return .stop
                }
                let estimate: Double
                switch budgetVerdict(live, workerType: entry.workerType, in: state) {
                case let .fits(cost):
                    estimate = cost
                case let .refused(reason):
                    if live.plan.candidates.contains(where: \.isFree) {
                        pushOrPark(item.id, in: &state)
                        return .leftForFreeTypes(item.id)
                    }
                    hold(&live, reason: reason, in: &state)
                    return .next
                }
                live.record.status = .assigned
                live.record.attempt += 1
                live.record.lease = UUID().uuidString.lowercased()
                live.record.assignedTo = entry.id
                live.record.workerType = entry.workerType
                live.record.assignedAt = now
                live.record.leaseExpiresAt = now + taskTimeoutSeconds
                live.record.notBefore = nil
                let reserves = estimate > 0 && !state.budget.isEmpty
                if reserves { reserve(estimate, for: &live, workerType: entry.workerType, in: &state) }
                state.tasks[item.id] = live
                state.leased.insert(item.id)
                state.workers[entry.id]?.held.insert(item.id)
                // Queued under the lock, so the store sees this task's changes in the order
                // they happened. A lease need not be durable before the worker has it: if the
                // orchestrator dies first, the task is pending again and the old lease refused.
                // (A budget reservation must be: `lease` flushes before answering.)
                store.enqueueWrite([live.record])
                return .taken(live, reserved: reserves)
            }
            switch step {
            case let .taken(live, reserved):
                reservedAny = reservedAny || reserved
                leased.append(taskJSON(live))
            case .next:
                try? workerTable.releaseSlot(entry.key) // cancelled or already taken: try the next one
            case .stop:
                try? workerTable.releaseSlot(entry.key)
                break loop
            case let .leftForFreeTypes(seq):
                // Over budget here, free elsewhere: wake the free worker types' long-polls.
                try? workerTable.releaseSlot(entry.key)
                leftForOthers.append(seq)
                break loop
            }
        }
        return (leased, reservedAny)
    }

    /// Pops the best head among the lanes this worker type may take from now: highest
    /// effective priority, then the oldest.
    private func popBest(for workerType: String) -> QueuedTask? {
        let lanes = state.withLock { $0.lanesByWorkerType[workerType] ?? [] }
        let now = ticks()
        for _ in 0..<4 { // another worker may take the head we chose; look again a few times
            var best: (queue: TaskQueue, head: QueuedTask)?
            for lane in lanes {
                guard let head = lane.queue.peek(now: now) else { continue }
                let waited = Duration.milliseconds(Int64(now - min(now, head.enqueuedAt)))
                // A preferred worker type stands in the way only if it could take this head:
                // a free slot, and room in the budgets.
                let couldTake = { (type: String) in self.hasFreeSlot(type) && self.budgetAdmits(head.id, on: type) }
                guard TaskRouter.mayTake(workerType, eligible: lane.eligible, hasFreeSlot: couldTake, waited: waited, spillAfter: lane.spillAfter) else {
                    continue
                }
                if let current = best,
                   current.head.effectivePriority > head.effectivePriority
                   || (current.head.effectivePriority == head.effectivePriority && current.head.enqueuedAt <= head.enqueuedAt) {
                    continue
                }
                best = (lane.queue, head)
            }
            guard let best else { return nil }
            if let item = best.queue.pop(now: now) { return item }
        }
        return nil
    }

    /// The task as a worker receives it. Old D8 workers read data fields at the top level, so
    /// data keys are copied there unless they collide with a key of the task itself.
    func taskJSON(_ live: LiveTask) -> JSONValue {
        let r = live.record
        var task: [String: JSONValue] = [
            "task_id": .string(r.taskID), "type": .string(r.type), "data": shapedData(live),
            "priority": JSONValue(r.priority), "lease": JSONValue(r.lease), "attempt": JSONValue(r.attempt),
            "max_attempts": JSONValue(r.maxAttempts), "created_at": .number(r.createdAt),
            "lease_expires_at": JSONValue(r.leaseExpiresAt), "timeout_s": .number(taskTimeoutSeconds),
        ]
        for (key, value) in task["data"]?.objectValue ?? [:] where task[key] == nil { task[key] = value }
        return .object(task)
    }

    /// Answers every long-poll with no task and refuses new ones: the first step of shutdown.
    func beginShutdown() {
        let (waiters, watches) = state.withLock { state in
            state.shuttingDown = true
            defer { state.waiters.removeAll(); state.watches.removeAll() }
            return (state.waiters, state.watches)
        }
        for waiter in waiters { waiter.fire() }
        for watch in watches { watch.signal.fire() }
    }
}
