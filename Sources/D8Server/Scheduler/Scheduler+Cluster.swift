import D8Core
import D8Store

/// A cluster node's share of the rules. New tasks wait in the database's shared queue; a node
/// claims what its waiting long-polls can take (`demand`), `adopt`s it, and lets go of what
/// none of its workers took within the prefetch time (`releaseIdle`), so a task never sits at
/// a node that cannot run it while another could.
extension Scheduler {
    var seqsLeft: UInt64 { seqLimit > nextSeq ? seqLimit - nextSeq : 0 }

    /// Numbers new tasks from a block the database handed out.
    mutating func useSeqs(_ block: Range<UInt64>) {
        nextSeq = block.lowerBound
        seqLimit = block.upperBound
    }

    /// Free slots of the workers waiting in long-polls, by worker type: how many tasks of the
    /// shared queue this node should claim for them now.
    func demand() -> [String: Int] {
        var seen: Set<String> = []
        var demand: [String: Int] = [:]
        for waiter in waiters where !seen.contains(waiter.workerID) {
            seen.insert(waiter.workerID)
            guard let worker = workers[waiter.workerID], worker.generation == waiter.generation, worker.freeSlots > 0,
                  !(lanesByWorkerType[worker.workerType] ?? []).contains(where: { (lanes[$0]?.live ?? 0) > 0 }) else { continue }
            demand[worker.workerType, default: 0] += worker.freeSlots
        }
        return demand
    }

    /// Tasks this node claimed or took over, live here from now on as `recover` would make
    /// them (without rewriting them). Their submit was counted where it happened.
    mutating func adopt(_ records: [TaskRecord], now: Double, parse: (String) -> JSONValue) -> SchedulerEffects {
        var effects = SchedulerEffects()
        var ready: [UInt64] = []
        for record in records where tasks[record.seq] == nil {
            let seq = record.seq
            let live = restore(record, now: now, parse: parse)
            switch record.status {
            case .assigned:
                leased.insert(seq)
                if let worker = record.assignedTo, workers[worker] != nil { updateWorker(worker) { $0.held.insert(seq) } }
            case .held:
                held.insert(seq)
            case .pending where live.plan.candidates.isEmpty:
                held.insert(seq) // looked at again by `reviewBudgets`
            case .pending where (record.notBefore ?? 0) > now:
                parked.insert(seq)
            case .pending:
                enqueue(seq, now: now)
                ready.append(seq)
            default:
                break
            }
        }
        effects.wake = wakeFor(tasks: ready)
        return effects
    }

    /// Queued tasks no worker here took since `cutoff` go back to the shared queue, and at once
    /// those no worker here has a free slot for (a front-door request that reached a node
    /// without a worker of its model, a retry of a type only others run).
    mutating func releaseIdle(queuedBefore cutoff: Double) -> SchedulerEffects {
        var effects = SchedulerEffects()
        for key in Array(lanes.keys) {
            guard let lane = lanes[key], lane.live > 0 else { continue }
            let noneFreeHere = !key.eligible.contains(where: hasFreeSlot)
            for (_, entries) in lane.entriesByLevel {
                for entry in entries {
                    guard noneFreeHere || entry.enqueuedAt < cutoff else { break }
                    guard tasks[entry.seq]?.queuedIn == key, let live = evict(entry.seq) else { continue }
                    effects.writes.append(.release(live.record))
                }
            }
        }
        return effects
    }

    /// The shared budgets refused a lease this node's own view allowed (another node spent or
    /// reserved first), or could not be asked: the task comes back from its worker before the
    /// worker has it, its attempt not counted, and waits as held until the budgets admit it.
    mutating func refuseLease(_ seq: UInt64, reason: String) -> SchedulerEffects {
        guard var live = tasks[seq], live.record.status == .assigned else { return SchedulerEffects() }
        if let worker = live.record.assignedTo { releaseHold(seq, worker: worker) }
        if let refused = live.reservations.popLast() {
            budget.release(refused.usd, client: live.record.client, workerType: refused.workerType)
        }
        live.record.reservedUSD = live.reservations.isEmpty ? nil : live.reservations.reduce(0) { $0 + $1.usd }
        live.record.reservedUntil = live.reservations.map(\.until).max()
        if live.reservations.isEmpty { reserving.remove(seq) }
        live.record.returnToQueue()
        live.record.attempt -= 1
        put(live)
        var effects = SchedulerEffects()
        hold(&live, reason: reason, effects: &effects)
        return effects
    }

    /// Another node took these tasks over (or the database no longer has them as this node's):
    /// they leave this node's memory, with no write.
    mutating func forgetTakenOver(_ seqs: Set<UInt64>) -> [TaskRecord] {
        seqs.compactMap { evict($0)?.record }
    }
}
