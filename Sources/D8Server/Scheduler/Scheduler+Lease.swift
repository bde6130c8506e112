import D8Core
import D8Store

extension Scheduler {
    /// What a long-poll gets: tasks now, or a place in the waiting list until `wake` names it.
    struct LeaseAnswer: Sendable {
        var tasks: [LiveTask] = []
        /// Set when nothing could be taken and the poll may wait: sleep until woken, then ask again.
        var waiter: WaiterID?
        var effects = SchedulerEffects()
        /// The registration that asked: a poll that outlives it (the worker registered again)
        /// ends with no task.
        var generation: UInt64 = 0
    }

    /// A worker asks for up to `max` tasks; with none to take, it waits until `deadline`.
    /// Tasks come from the lanes its worker type may take from (see `TaskRouter.mayTake`), best
    /// head first, within its free slots and the budgets. A worker request is also a heartbeat.
    /// `generation`: the registration a poll started under, when it asks again after waking.
    mutating func lease(workerID: String, max: Int, now: Double, deadline: Double, generation: UInt64? = nil) throws(APIError) -> LeaseAnswer {
        let worker = try heartbeat(workerID: workerID, now: now)
        var answer = LeaseAnswer(generation: worker.generation)
        if let generation, generation != worker.generation { return answer }
        while answer.tasks.count < max, let worker = workers[workerID], worker.freeSlots > 0,
              case let (live, estimate)? = takeNext(for: worker.workerType, now: now, effects: &answer.effects) {
            answer.tasks.append(assign(live, to: workerID, estimate: estimate, now: now, effects: &answer.effects))
        }
        if answer.tasks.isEmpty, deadline > now, !shuttingDown {
            let id = nextWaiterID
            nextWaiterID += 1
            waiters.append(Waiter(id: id, workerID: workerID, generation: worker.generation, deadline: deadline))
            answer.waiter = id
        }
        return answer
    }

    /// A long-poll ended without being woken (its request went away): it leaves the list.
    mutating func stopWaiting(_ id: WaiterID) {
        waiters.removeAll { $0.id == id }
    }

    /// Pops the best head among the lanes `workerType` may take from now: highest effective
    /// priority, then the oldest. A head the budgets refuse here is held (or, when a free worker
    /// type may run it, left for that type, whose long-polls are woken).
    private mutating func takeNext(for workerType: String, now: Double, effects: inout SchedulerEffects) -> (LiveTask, Double)? {
        while true {
            var best: (key: Lane.Key, head: LaneQueue.Head, estimate: Double)?
            var heldOne = false
            for key in lanesByWorkerType[workerType] ?? [] where !paused.contains(key.taskType) {
                guard let head = currentHead(of: key, now: now), let live = tasks[head.entry.seq], let lane = lanes[key] else { continue }
                if isOverdue(live.record, at: now) {
                    // Its deadline passed between two ticks: it ends here instead of reaching a worker.
                    _ = pop(head, from: key)
                    expire(head.entry.seq, now: now, effects: &effects)
                    heldOne = true
                    continue
                }
                // A preferred worker type stands in the way only if it could take this head:
                // a free slot, and room in the budgets.
                let couldTake = { (type: String) in self.hasFreeSlot(type) && self.budgetFits(live, on: type) }
                let waited = Duration.milliseconds(Int64(Swift.max(0, now - head.entry.enqueuedAt) * 1000))
                guard TaskRouter.mayTake(workerType, eligible: key.eligible, hasFreeSlot: couldTake, waited: waited, spillAfter: .milliseconds(Int64(lane.spillAfter * 1000))) else { continue }
                switch budgetVerdict(live, workerType: workerType) {
                case let .fits(estimate):
                    if best.map({ head.isBefore($0.head) }) ?? true { best = (key, head, estimate) }
                case let .refused(reason):
                    if live.plan.candidates.contains(where: \.isFree) {
                        // Over budget here, free elsewhere: wake the free worker types' long-polls.
                        effects.wake += wake(lanes: [key], count: .max)
                    } else if var popped = pop(head, from: key) {
                        hold(&popped, reason: reason, effects: &effects)
                        heldOne = true
                    }
                }
            }
            if let best, let live = pop(best.head, from: best.key) { return (live, best.estimate) }
            if !heldOne { return nil } // a held or expired head may have uncovered another: look again
        }
    }

    /// Hands a task to a worker: a new lease, the attempt counted, its slot taken, budget reserved.
    private mutating func assign(_ task: LiveTask, to workerID: String, estimate: Double, now: Double, effects: inout SchedulerEffects) -> LiveTask {
        var live = task
        let workerType = workers[workerID]?.workerType ?? ""
        live.record.status = .assigned
        live.record.attempt += 1
        live.record.lease = newLease()
        live.record.assignedTo = workerID
        live.record.workerType = workerType
        live.record.assignedAt = now
        live.record.leaseExpiresAt = now + taskTimeout
        live.record.notBefore = nil
        if estimate > 0, !budget.isEmpty {
            reserve(estimate, for: &live, workerType: workerType, now: now)
            effects.mustFlush = true
        }
        put(live)
        leased.insert(live.record.seq)
        updateWorker(workerID) { $0.held.insert(live.record.seq) }
        // A lease need not be durable before the worker has it: if the orchestrator dies first,
        // the task is pending again and the old lease refused. A budget reservation must be. In
        // a cluster it must be too: another node then honours the lease (a result posted there
        // completes the task), instead of running the task again as a new first attempt.
        if shared { effects.mustFlush = true }
        effects.writes.append(.lease(live.record))
        return live
    }
}
