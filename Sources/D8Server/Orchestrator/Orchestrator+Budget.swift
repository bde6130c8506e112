import D8Core
import D8Store

/// Budgets: a lease reserves its estimate, the result settles it with the real
/// cost, and a task that no budget admits waits as `held` with the reason in its status.
extension Orchestrator {
    enum BudgetVerdict {
        case fits(estimate: Double)
        case refused(String)
    }

    /// Whether the budgets admit running this task on `workerType` now.
    func budgetVerdict(_ live: LiveTask, workerType: String, in state: borrowing State) -> BudgetVerdict {
        let estimate = live.plan.candidate(workerType)?.estimateUSD
        guard !state.budget.isEmpty else { return .fits(estimate: estimate ?? 0) }
        guard let estimate else { return .refused("the price of worker type \(workerType) is unknown, and the budgets need one") }
        if let refusal = state.budget.refusal(cost: estimate, client: live.record.client, workerType: workerType) {
            return .refused(refusal.description)
        }
        return .fits(estimate: estimate)
    }

    /// Whether the budgets let the task `seq` run on `workerType` now.
    func budgetAdmits(_ seq: UInt64, on workerType: String) -> Bool {
        state.withLock { state in
            guard let live = state.tasks[seq] else { return true }
            if case .fits = budgetVerdict(live, workerType: workerType, in: state) { return true }
            return false
        }
    }

    /// nil when some eligible worker type of the task fits the budgets now, else why none does.
    func anyFits(_ live: LiveTask, in state: borrowing State) -> String? {
        var reason: String?
        for candidate in live.plan.candidates {
            switch budgetVerdict(live, workerType: candidate.workerType, in: state) {
            case .fits: return nil
            case let .refused(why): reason = reason ?? why
            }
        }
        return reason ?? live.plan.refusal
    }

    func reserve(_ usd: Double, for live: inout LiveTask, workerType: String, in state: inout State) {
        // Until the worker can no longer report: the lease, plus the time it retries its result.
        let until = (live.record.leaseExpiresAt ?? Self.epochNow()) + Self.reportGraceSeconds
        live.reservations.append(Reservation(workerType: workerType, usd: usd, until: until))
        state.budget.reserve(usd, client: live.record.client, workerType: workerType)
        state.reserving.insert(live.record.seq)
        live.record.reservedUSD = live.reservations.reduce(0) { $0 + $1.usd }
        live.record.reservedUntil = live.reservations.map(\.until).max()
    }

    /// How long after a lease expires its worker may still post the result (the worker's rule).
    static let reportGraceSeconds = 30.0

    /// Gives back every reservation of a task (its result arrived, or it finished).
    func releaseReservations(of live: inout LiveTask, in state: inout State) {
        for r in live.reservations { state.budget.release(r.usd, client: live.record.client, workerType: r.workerType) }
        live.reservations = []
        live.record.reservedUSD = nil
        live.record.reservedUntil = nil
        state.reserving.remove(live.record.seq)
    }

    /// Counts a real cost against today's budgets, in memory and in the ledger.
    func spend(_ usd: Double, taskID: String, client: String?, workerType: String, in state: inout State) {
        guard usd > 0 else { return }
        state.budget.roll(to: Self.epochNow())
        state.budget.spend(usd, client: client, workerType: workerType)
        store.enqueueSpend([SpendEntry(taskID: taskID, at: Self.epochNow(), client: client, workerType: workerType, usd: usd)])
    }

    func hold(_ live: inout LiveTask, reason: String, in state: inout State) {
        live.record.status = .held
        live.record.heldReason = reason
        state.tasks[live.record.seq] = live
        state.held.insert(live.record.seq)
        store.enqueueWrite([live.record])
    }

    /// Maintenance: a new day, reservations whose worker can no longer report, and held tasks
    /// that a budget (or a newly known price) admits again.
    func reviewBudgets() {
        let now = Self.epochNow()
        let released = state.withLock { state -> [UInt64] in
            state.budget.roll(to: now)
            for seq in state.reserving {
                guard var live = state.tasks[seq] else {
                    state.reserving.remove(seq)
                    continue
                }
                let expired = live.reservations.filter { $0.until <= now }
                guard !expired.isEmpty else { continue }
                for r in expired { state.budget.release(r.usd, client: live.record.client, workerType: r.workerType) }
                live.reservations.removeAll { $0.until <= now }
                live.record.reservedUSD = live.reservations.isEmpty ? nil : live.reservations.reduce(0) { $0 + $1.usd }
                if live.reservations.isEmpty { state.reserving.remove(seq) }
                state.tasks[seq] = live
            }
            var released: [UInt64] = []
            for seq in state.held {
                guard var live = state.tasks[seq], live.record.status == .pending || live.record.status == .held else {
                    state.held.remove(seq)
                    continue
                }
                live.plan = plan(live, in: state)
                // No eligible type (a price no longer known after a restart) reads like a spent budget.
                if let reason = live.plan.candidates.isEmpty ? live.plan.refusal : anyFits(live, in: state) {
                    if live.record.heldReason != reason {
                        live.record.status = .held
                        live.record.heldReason = reason
                        state.tasks[seq] = live
                        store.enqueueWrite([live.record])
                    }
                    continue
                }
                live.record.status = .pending
                live.record.heldReason = nil
                state.tasks[seq] = live
                state.held.remove(seq)
                store.enqueueWrite([live.record])
                pushOrPark(seq, in: &state)
                released.append(seq)
            }
            return released
        }
        wakeWaiters(forTasks: released)
    }

    /// `cost` in `/api/stats`: today's spending and each budget's state.
    func costJSON() -> JSONValue {
        state.withLock { state in
            var book = state.budget
            book.roll(to: Self.epochNow())
            let budgets: [JSONValue] = book.limits.keys.sorted().map { scope in
                [
                    "scope": .string(scope.description), "period": "daily", "limit_usd": .number(book.limits[scope] ?? 0),
                    "spent_usd": .number(book.spent[scope, default: 0]), "reserved_usd": .number(book.reserved[scope, default: 0]),
                    "remaining_usd": JSONValue(book.remaining(scope)),
                ]
            }
            var spentByWorkerType: [String: JSONValue] = [:]
            for case let (.workerType(name), usd) in book.spent { spentByWorkerType[name] = .number(usd) }
            return [
                "spent_today_usd": .number(book.spent[.global, default: 0]), "reserved_usd": .number(book.reserved[.global, default: 0]),
                "spent_today_by_worker_type": .object(spentByWorkerType), "budgets": .array(budgets),
                "prices_usd_per_mtok": .object(state.prices.known.mapValues { ["input": .number($0.inputPerMTok), "output": .number($0.outputPerMTok)] }),
            ]
        }
    }
}
