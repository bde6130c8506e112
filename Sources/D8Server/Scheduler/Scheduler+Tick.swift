import D8Core
import D8Store

extension Scheduler {
    /// Time passes (the maintenance loop calls this every few hundred milliseconds): long-polls
    /// end at their deadline, silent workers are reaped, expired leases taken back, tasks past
    /// their deadline expired, parked tasks
    /// whose retry time has come queued, budgets reviewed, and spilled lanes offered further down.
    mutating func tick(now: Double) -> SchedulerEffects {
        var effects = SchedulerEffects()
        endExpiredLongPolls(now: now, effects: &effects)
        reapSilentWorkers(now: now, effects: &effects)
        takeBackExpiredLeases(now: now, effects: &effects)
        expireOverdue(now: now, effects: &effects)
        queueDueTasks(now: now, effects: &effects)
        reviewBudgets(now: now, effects: &effects)
        wakeForSpilledLanes(now: now, effects: &effects)
        return effects
    }

    mutating func endExpiredLongPolls(now: Double, effects: inout SchedulerEffects) {
        effects.wake += waiters.filter { $0.deadline <= now }.map(\.id)
        waiters.removeAll { $0.deadline <= now }
    }

    /// Workers silent for `worker_timeout` are dead: what they held goes back at once.
    mutating func reapSilentWorkers(now: Double, effects: inout SchedulerEffects) {
        let timeout = config.queue.workerTimeout.seconds
        for worker in workers.values where now - worker.lastSeen > timeout {
            drop(worker.id, reason: "worker \(worker.id) sent no heartbeat for \(Int(timeout))s", countsAsAttempt: true, now: now, effects: &effects)
        }
    }

    /// A lease that outlives `task_timeout` goes back to the queue, even if its worker lives.
    mutating func takeBackExpiredLeases(now: Double, effects: inout SchedulerEffects) {
        let late = leased.filter { (tasks[$0]?.record.leaseExpiresAt ?? .infinity) < now }.sorted()
        for seq in late {
            if let type = tasks[seq]?.record.type { effects.observations.append(.leaseExpired(taskType: type)) }
            requeueLeased(seq, reason: "lease expired: no result within the task timeout of \(Int(taskTimeout))s", countsAsAttempt: true, workerStillRuns: true, now: now, effects: &effects)
        }
    }

    /// Parked tasks whose retry time has come go into their queue.
    mutating func queueDueTasks(now: Double, effects: inout SchedulerEffects) {
        var due: [UInt64] = []
        for seq in parked {
            guard let record = tasks[seq]?.record, record.status == .pending else {
                parked.remove(seq) // finished or cancelled meanwhile
                continue
            }
            if (record.notBefore ?? 0) <= now { due.append(seq) }
        }
        for seq in due.sorted() {
            parked.remove(seq)
            tasks[seq]?.record.notBefore = nil
            enqueue(seq, now: now)
        }
        effects.wake += wakeFor(tasks: due)
    }

    /// A spill delay has passed for a lane's head: the worker types after the preferred ones may
    /// take it now, but they sleep in long-polls that no submit will wake.
    mutating func wakeForSpilledLanes(now: Double, effects: inout SchedulerEffects) {
        guard !waiters.isEmpty else { return }
        for key in Array(lanes.keys) where !paused.contains(key.taskType) {
            guard let lane = lanes[key], lane.live > 0, let head = currentHead(of: key, now: now),
                  now - head.entry.enqueuedAt >= lane.spillAfter else { continue }
            effects.wake += wake(lanes: [key], count: lane.live)
        }
    }

    /// Shutdown: every long-poll is answered with no task, and no new task is accepted.
    mutating func beginShutdown() -> [WaiterID] {
        shuttingDown = true
        defer { waiters.removeAll() }
        return waiters.map(\.id)
    }

    /// A stored task made live again (at start, or adopted by a cluster node): routed, with the
    /// budget its lease still holds reserved, and counted as it stands (the tally already has it).
    /// Placing it in a queue or a waiting set is the caller's.
    mutating func restore(_ record: TaskRecord, now: Double, parse: (String) -> JSONValue) -> LiveTask {
        var live = LiveTask(record: record, data: parse(record.data))
        live.plan = plan(for: live)
        if let reserved = record.reservedUSD, reserved > 0, let until = record.reservedUntil, until > now {
            live.reservations = [Reservation(workerType: record.workerType ?? "", usd: reserved, until: until)]
            budget.reserve(reserved, client: record.client, workerType: record.workerType ?? "")
            reserving.insert(record.seq)
        }
        put(live, recovered: true)
        return live
    }

    /// Rebuilds the live state from the store's unfinished tasks. Tasks leased when the last
    /// process died go back to the queue: their worker may still finish, but its result no
    /// longer holds a lease. Returns the changes to write.
    mutating func recover(_ records: [TaskRecord], now: Double, parse: (String) -> JSONValue) -> (pending: Int, effects: SchedulerEffects) {
        var effects = SchedulerEffects()
        var pending = 0
        for var record in records {
            if record.status == .assigned {
                record.appendError("the orchestrator restarted while this attempt was leased", worker: record.assignedTo, at: now)
                if record.attempt >= record.maxAttempts {
                    record.finish(.dead, at: now)
                    effects.writes.append(.update(record))
                    tally.moved(record.type, from: .assigned, to: .dead)
                    tally.finished(record)
                    continue
                }
                record.returnToQueue()
                effects.writes.append(.update(record))
                tally.moved(record.type, from: .assigned, to: .pending)
            }
            guard record.status == .pending || record.status == .held else { continue }
            let live = restore(record, now: now, parse: parse)
            nextSeq = max(nextSeq, record.seq + 1)
            if record.status == .held || live.plan.candidates.isEmpty {
                held.insert(record.seq) // looked at again by `reviewBudgets`
            } else if record.notBefore != nil {
                parked.insert(record.seq)
            } else {
                enqueue(record.seq, now: now)
            }
            pending += 1
        }
        return (pending, effects)
    }
}
