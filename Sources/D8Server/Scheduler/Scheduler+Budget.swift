import D8Core
import D8Store

/// Budgets: a lease reserves its estimate, the result settles it with the real cost, and a task
/// that no budget admits waits as `held` with the reason in its status.
extension Scheduler {
    enum BudgetVerdict {
        case fits(estimate: Double)
        case refused(String)
    }

    /// How long after a lease expires its worker may still post the result (the worker's rule).
    static let reportGraceSeconds = 30.0

    /// Whether the budgets admit running this task on `workerType` now.
    func budgetVerdict(_ live: LiveTask, workerType: String) -> BudgetVerdict {
        let estimate = live.plan.candidate(workerType)?.estimateUSD
        guard !budget.isEmpty else { return .fits(estimate: estimate ?? 0) }
        guard let estimate else { return .refused("the price of worker type \(workerType) is unknown, and the budgets need one") }
        if let refusal = budget.refusal(cost: estimate, client: live.record.client, workerType: workerType) {
            return .refused(refusal.description)
        }
        return .fits(estimate: estimate)
    }

    func budgetFits(_ live: LiveTask, on workerType: String) -> Bool {
        if case .fits = budgetVerdict(live, workerType: workerType) { return true }
        return false
    }

    /// nil when some eligible worker type of the task fits the budgets now, else why none does.
    func whyNoneFits(_ live: LiveTask) -> String? {
        var reason: String?
        for candidate in live.plan.candidates {
            switch budgetVerdict(live, workerType: candidate.workerType) {
            case .fits: return nil
            case let .refused(why): reason = reason ?? why
            }
        }
        return reason ?? live.plan.refusal
    }

    mutating func reserve(_ usd: Double, for live: inout LiveTask, workerType: String, now: Double) {
        // Until the worker can no longer report: the lease, plus the time it retries its result.
        let until = (live.record.leaseExpiresAt ?? now) + Self.reportGraceSeconds
        live.reservations.append(Reservation(workerType: workerType, usd: usd, until: until))
        budget.reserve(usd, client: live.record.client, workerType: workerType)
        reserving.insert(live.record.seq)
        live.record.reservedUSD = live.reservations.reduce(0) { $0 + $1.usd }
        live.record.reservedUntil = live.reservations.map(\.until).max()
    }

    /// Gives back every reservation of a task (its result arrived, or it finished).
    mutating func releaseReservations(of live: inout LiveTask) {
        for r in live.reservations { budget.release(r.usd, client: live.record.client, workerType: r.workerType) }
        live.reservations = []
        live.record.reservedUSD = nil
        live.record.reservedUntil = nil
        reserving.remove(live.record.seq)
    }

    /// Counts a real cost against today's budgets, in memory and in the ledger.
    mutating func spend(_ usd: Double, taskID: String, client: String?, workerType: String, now: Double, effects: inout SchedulerEffects) {
        guard usd > 0 else { return }
        budget.roll(to: now)
        budget.spend(usd, client: client, workerType: workerType)
        effects.spends.append(SpendEntry(taskID: taskID, at: now, client: client, workerType: workerType, usd: usd))
    }

    mutating func hold(_ live: inout LiveTask, reason: String, effects: inout SchedulerEffects) {
        dequeue(&live)
        live.record.status = .held
        live.record.heldReason = reason
        put(live)
        held.insert(live.record.seq)
        effects.writes.append(.update(live.record))
        effects.observations.append(.held(taskType: live.record.type))
    }

    /// A new day, reservations whose worker can no longer report, and held tasks that a budget
    /// (or a newly known price) admits again.
    mutating func reviewBudgets(now: Double, effects: inout SchedulerEffects) {
        budget.roll(to: now)
        for seq in reserving {
            guard var live = tasks[seq] else {
                reserving.remove(seq)
                continue
            }
            let expired = live.reservations.filter { $0.until <= now }
            guard !expired.isEmpty else { continue }
            for r in expired { budget.release(r.usd, client: live.record.client, workerType: r.workerType) }
            live.reservations.removeAll { $0.until <= now }
            live.record.reservedUSD = live.reservations.isEmpty ? nil : live.reservations.reduce(0) { $0 + $1.usd }
            if live.reservations.isEmpty { reserving.remove(seq) }
            tasks[seq] = live
        }
        var released: [UInt64] = []
        for seq in held {
            guard var live = tasks[seq], live.record.status == .pending || live.record.status == .held else {
                held.remove(seq)
                continue
            }
            live.plan = plan(for: live)
            // No eligible type (a price no longer known after a restart) reads like a spent budget.
            if let reason = live.plan.candidates.isEmpty ? live.plan.refusal : whyNoneFits(live) {
                if live.record.heldReason != reason || live.record.status != .held {
                    if live.record.status != .held { effects.observations.append(.held(taskType: live.record.type)) }
                    live.record.status = .held
                    live.record.heldReason = reason
                    put(live)
                    effects.writes.append(.update(live.record))
                } else {
                    tasks[seq] = live
                }
                continue
            }
            live.record.status = .pending
            live.record.heldReason = nil
            put(live)
            held.remove(seq)
            effects.writes.append(.update(live.record))
            enqueue(seq, now: now)
            released.append(seq)
        }
        effects.wake += wakeFor(tasks: released)
    }
}
