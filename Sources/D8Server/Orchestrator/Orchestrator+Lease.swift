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
            let leased = tryLease(entry, max: max)
            if !leased.isEmpty || wait <= .zero || ContinuousClock.now >= deadline { return leased }

            // Register first, then look again: a submit that lands in between wakes us.
            let waiter = Waiter(workerID: workerID, taskTypes: Set(entry.taskTypes), deadline: deadline)
            let open = state.withLock { state in
                if !state.shuttingDown { state.waiters.append(waiter) }
                return !state.shuttingDown
            }
            guard open else { return [] }
            let again = tryLease(entry, max: max)
            if again.isEmpty { await waiter.sleep() }
            state.withLock { state in state.waiters.removeAll { $0 === waiter } }
            if !again.isEmpty { return again }
            if state.withLock({ $0.shuttingDown || $0.workers[workerID]?.key != entry.key }) { return [] }
        }
    }

    /// Takes tasks for a worker now, as many as it asks for and has free slots.
    func tryLease(_ entry: WorkerEntry, max: Int) -> [JSONValue] {
        var leased: [JSONValue] = []
        while leased.count < max, (try? workerTable.acquireSlot(entry.key)) == true {
            guard let item = popBest(of: entry.taskTypes) else {
                try? workerTable.releaseSlot(entry.key)
                break
            }
            let now = Self.epochNow()
            let taken: LiveTask? = state.withLock { state in
                guard var live = state.tasks[item.id], live.record.status == .pending else { return nil }
                guard state.workers[entry.id]?.key == entry.key else {
                    // The worker left while we popped: the task goes straight back.
                    pushOrPark(live.record, in: &state)
                    return nil
                }
                live.record.status = .assigned
                live.record.attempt += 1
                live.record.lease = UUID().uuidString.lowercased()
                live.record.assignedTo = entry.id
                live.record.workerType = entry.workerType
                live.record.assignedAt = now
                live.record.leaseExpiresAt = now + taskTimeoutSeconds
                live.record.notBefore = nil
                state.tasks[item.id] = live
                state.leased.insert(item.id)
                state.workers[entry.id]?.held.insert(item.id)
                // Queued under the lock, so the store sees this task's changes in the order
                // they happened. A lease need not be durable before the worker has it: if the
                // orchestrator dies first, the task is pending again and the old lease refused.
                store.enqueueWrite([live.record])
                return live
            }
            guard let taken else {
                try? workerTable.releaseSlot(entry.key) // cancelled or already taken: try the next one
                continue
            }
            leased.append(taskJSON(taken))
        }
        return leased
    }

    /// Pops the best head among the queues of the given task types: highest effective
    /// priority, then the oldest.
    private func popBest(of taskTypes: [String]) -> QueuedTask? {
        let now = ticks()
        for _ in 0..<4 { // another worker may take the head we chose; look again a few times
            var best: (queue: TaskQueue, head: QueuedTask)?
            for type in taskTypes {
                guard let queue = queues[type], let head = queue.peek(now: now) else { continue }
                if let current = best,
                   current.head.effectivePriority > head.effectivePriority
                   || (current.head.effectivePriority == head.effectivePriority && current.head.enqueuedAt <= head.enqueuedAt) {
                    continue
                }
                best = (queue, head)
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
            "task_id": .string(r.taskID), "type": .string(r.type), "data": live.data,
            "priority": JSONValue(r.priority), "lease": JSONValue(r.lease), "attempt": JSONValue(r.attempt),
            "max_attempts": JSONValue(r.maxAttempts), "created_at": .number(r.createdAt),
            "lease_expires_at": JSONValue(r.leaseExpiresAt), "timeout_s": .number(taskTimeoutSeconds),
        ]
        for (key, value) in live.data.objectValue ?? [:] where task[key] == nil { task[key] = value }
        return .object(task)
    }

    /// Wakes up to `count` long-polls whose worker serves one of these task types.
    func wakeWaiters(for taskTypes: Set<String>, count: Int) {
        guard count > 0 else { return }
        let woken = state.withLock { state -> [Waiter] in
            var woken: [Waiter] = []
            state.waiters.removeAll { waiter in
                guard woken.count < count, !waiter.taskTypes.isDisjoint(with: taskTypes),
                      let key = state.workers[waiter.workerID]?.key, workerTable.worker(key)?.state == .online else { return false }
                woken.append(waiter)
                return true
            }
            return woken
        }
        for waiter in woken { waiter.fire() }
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
