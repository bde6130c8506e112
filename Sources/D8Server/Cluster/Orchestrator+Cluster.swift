import D8Core
import D8Postgres
import D8Store
import Foundation

/// A node of a cluster (`store: postgres`): beside one orchestrator's work it claims from the
/// shared queue what its waiting workers can take (`feed`), lets go of what they did not take
/// (`releaseIdle`), stays alive in the database, and, while it holds the maintainer's lease,
/// hands a dead node's tasks back and decides for tasks nobody holds (`keepAlive`).
extension Orchestrator {
    /// Tasks claimed for this node's long-polls but not leased within this time go back.
    static let prefetchSeconds = 1.0
    /// The backstop of the notifications: how often waiting workers look at the shared queue.
    static let feedPoll = Duration.milliseconds(100)
    static let beatInterval = Duration.seconds(1)
    static let maintainerLease = "maintainer"

    /// The node's loops, until the task is cancelled (shutdown).
    func runCluster(_ cluster: PostgresStore) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.feed(cluster) }
            group.addTask { await self.keepAlive(cluster) }
            group.addTask {
                for await notice in cluster.notices() {
                    switch notice {
                    case .newTasks: self.feederBell.ring()
                    case let .takenOver(seq): self.forgetTakenOver([seq])
                    }
                }
            }
            await group.waitForAll()
        }
    }

    /// Claims tasks for the workers waiting here, as many as their free slots, whenever the
    /// bell rings (a submit here, a notification from another node, a long-poll starting) and
    /// every `feedPoll` while any worker waits.
    func feed(_ cluster: PostgresStore) async {
        var failing = false
        while !Task.isCancelled {
            let demand = core.withLock { $0.scheduler.shuttingDown ? [:] : $0.scheduler.demand() }
            var claimed = false
            for (workerType, slots) in demand.sorted(by: { $0.key < $1.key }) {
                do {
                    let records = try await cluster.claim(types: config.taskTypeNames(routedTo: workerType), limit: min(slots, 64), now: Self.epochNow())
                    failing = false
                    guard !records.isEmpty else { continue }
                    claimed = true
                    adopt(records)
                } catch {
                    if !failing { logger.warning("claiming from the shared queue failed; retrying", metadata: ["error": "\(error)"]) }
                    failing = true
                }
            }
            if !claimed { await feederBell.wait(timeout: Self.feedPoll) }
        }
    }

    /// Claimed or taken-over tasks join this node's scheduler.
    func adopt(_ records: [TaskRecord]) {
        guard !records.isEmpty else { return }
        _ = try? event { scheduler in ((), scheduler.adopt(records, now: Self.epochNow()) { (try? JSONValue.parse($0)) ?? [:] }) }
    }

    /// Renews this node's row every second; while it holds the maintainer's lease it also
    /// reaps dead nodes, adopts the tasks nobody holds that need a decision, and prunes.
    func keepAlive(_ cluster: PostgresStore) async {
        var lastPrune = ContinuousClock.now
        var wasMaintainer = false, failing = false
        let ttl = config.server.postgres.nodeTimeout.seconds
        while !Task.isCancelled {
            do {
                let now = try await cluster.databaseNow()
                try await cluster.beat(now: now)
                try await refreshBudgets(cluster)
                let maintainer = try await cluster.lead(Self.maintainerLease, ttl: ttl, now: now)
                if maintainer != wasMaintainer {
                    logger.notice(maintainer ? "this node is now the cluster's maintainer" : "this node is no longer the cluster's maintainer", metadata: ["node": "\(cluster.nodeID)"])
                }
                wasMaintainer = maintainer
                if maintainer {
                    let dead = try await cluster.reapDeadNodes(now: now)
                    if !dead.isEmpty {
                        logger.warning("nodes stopped answering; their tasks return to the shared queue", metadata: ["nodes": "\(dead.joined(separator: ", "))"])
                        cluster.notifyNewTasks()
                    }
                    adopt(try await cluster.claimOrphans(now: now, limit: 500))
                    try await cluster.purgeReservations(before: now - 3600)
                    if ContinuousClock.now - lastPrune >= .seconds(3600) {
                        lastPrune = .now
                        await prune()
                    }
                }
                if failing { logger.notice("the shared database answers again", metadata: ["node": "\(cluster.nodeID)"]) }
                failing = false
            } catch {
                if !failing { logger.error("the shared database does not answer", metadata: ["node": "\(cluster.nodeID)", "error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: Self.beatInterval)
        }
    }

    /// Each tick: forget tasks another node took over, and let go of queued tasks no worker
    /// here took (or can take).
    func clusterTick(_ cluster: PostgresStore) {
        forgetTakenOver(cluster.takeLost())
        let released = (try? event { scheduler in ((), scheduler.releaseIdle(queuedBefore: Self.epochNow() - Self.prefetchSeconds)) })?.1
        guard let released, !released.writes.isEmpty else { return }
        cluster.notifyNewTasks()
        noteMovedAway(released.writes.compactMap { if case let .release(record) = $0 { record.taskID } else { nil } })
    }

    /// Tasks another node took over (it said so, or a write here was refused) leave this node;
    /// clients waiting here for them follow them in the database.
    func forgetTakenOver(_ seqs: Set<UInt64>) {
        guard !seqs.isEmpty else { return }
        let forgotten = core.withLock { $0.scheduler.forgetTakenOver(seqs) }
        guard !forgotten.isEmpty else { return }
        logger.notice("tasks taken over by another node", metadata: ["count": "\(forgotten.count)"])
        noteMovedAway(forgotten.map(\.taskID))
    }

    /// Clients waiting here for tasks that now run elsewhere follow them in the database.
    func noteMovedAway(_ taskIDs: [String]) {
        let (watches, streams) = core.withLock { core in
            (taskIDs.flatMap { core.watches.removeValue(forKey: $0) ?? [] }, taskIDs.compactMap { core.streams.removeValue(forKey: $0) })
        }
        for watch in watches { watch.signal.fire() }
        for stream in streams {
            stream.send(.movedAway)
            stream.close()
        }
    }

    /// Enough seqs for a submit of `count` tasks: a new block from the database when short.
    func ensureSeqs(_ count: Int) async throws(APIError) {
        guard let cluster else { return }
        while core.withLock({ $0.scheduler.seqsLeft }) < UInt64(count) + 64 {
            do {
                let block = try await cluster.seqBlock()
                core.withLock { $0.scheduler.useSeqs(block) }
            } catch {
                throw Self.storeFailure(error, "cannot number new tasks")
            }
        }
    }

    /// A task that lives at another node (or at none): taken over here, so that a result or a
    /// cancel that reached this node decides for it. nil when no current lease matches.
    func takeOver(taskID: String, lease: String?, workerID: String?) async throws(APIError) -> Bool {
        guard let cluster else { return false }
        do {
            guard let record = try await cluster.takeOver(taskID: taskID, lease: lease, workerID: workerID) else { return false }
            adopt([record])
            return true
        } catch {
            throw Self.storeFailure(error, "cannot take task '\(taskID)' over")
        }
    }

    /// New tasks wait in the shared queue: this node's feeder and every other node hear of it.
    func announceNewTasks() {
        guard let cluster else { return }
        feederBell.ring()
        cluster.notifyNewTasks()
    }

    /// Waits for a task that lives at another node, by reading it every 50 ms: a cluster's
    /// long-poll of a task's status.
    func waitInDatabase(_ taskID: String, until deadline: Double, for viewer: Viewer) async throws(APIError) -> TaskView? {
        while Self.epochNow() < deadline, !core.withLock({ $0.scheduler.shuttingDown }) {
            guard let stored = try await read({ try await $0.record(taskID: taskID) }), viewer.sees(stored) else { return nil }
            if stored.status.isFinished { return TaskView(stored) }
            if core.withLock({ $0.scheduler.task(id: taskID) != nil }) { return nil } // it came here: watch it in memory
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }
}

/// Budgets across nodes: a node's own view decides quickly, the database decides for sure.
extension Orchestrator {
    /// Makes each lease's reservation in the shared budgets before its worker gets the task;
    /// a lease the database refuses (or cannot be asked about) is taken back and held.
    func confirmReservations(_ tasks: [LiveTask]) async throws(APIError) -> [LiveTask] {
        guard let cluster, !tasks.isEmpty else { return tasks }
        var confirmed: [LiveTask] = []
        for task in tasks {
            let r = task.record
            guard let reservation = task.reservations.last, reservation.usd > 0, let lease = r.lease,
                  r.reservedUSD != nil else {
                confirmed.append(task)
                continue
            }
            let (limits, day) = core.withLock { core in
                (core.scheduler.budget.limits(client: r.client, workerType: reservation.workerType), core.scheduler.budget.day)
            }
            var refusal: String?
            do {
                if let refused = try await cluster.reserve(
                    usd: reservation.usd, taskID: r.taskID, lease: lease, client: r.client, workerType: reservation.workerType,
                    until: reservation.until, limits: limits.map { .init(scope: $0.scope.description, limit: $0.limit) }, day: day, now: Self.epochNow()) {
                    let scope = BudgetBook.Scope(refused.scope) ?? .global
                    refusal = BudgetBook.Refusal(scope: scope, limit: refused.limit, spent: refused.spent, reserved: refused.reserved).description + " across the cluster"
                }
            } catch {
                refusal = "the shared budgets could not be checked: \(error)"
            }
            guard let refusal else {
                confirmed.append(task)
                continue
            }
            _ = try event { scheduler in ((), scheduler.refuseLease(r.seq, reason: refusal)) }
        }
        return confirmed
    }

    /// This node's view of the budgets becomes the cluster's: every node's spending today and
    /// every open reservation.
    func refreshBudgets(_ cluster: PostgresStore) async throws(StoreError) {
        let (empty, utcOffset) = core.withLock { ($0.scheduler.budget.isEmpty, $0.scheduler.budget.utcOffsetMinutes) }
        guard !empty else { return }
        let now = Self.epochNow()
        let day = BudgetBook.day(at: now, utcOffsetMinutes: utcOffset)
        let totals = try await cluster.budgetTotals(day: day, now: now)
        func byScope(_ totals: [String: Double]) -> [BudgetBook.Scope: Double] {
            Dictionary(totals.compactMap { key, usd in BudgetBook.Scope(key).map { ($0, usd) } }) { a, b in a + b }
        }
        let (spent, reserved) = (byScope(totals.spent), byScope(totals.reserved))
        core.withLock { $0.scheduler.budget.replaceTotals(spent: spent, reserved: reserved, day: day) }
    }
}

extension Orchestrator {
    /// A result this node recorded in memory whose write the database refused: another node
    /// decided for the task meanwhile (took it over, cancelled it). The worker hears 409, as it
    /// would from that node.
    func refuseIfTakenOver(_ taskID: String, workerID: String, effects: SchedulerEffects) throws(APIError) {
        guard let cluster else { return }
        for case let .update(record) in effects.writes where record.taskID == taskID && cluster.isLost(record.seq) {
            throw APIError(.staleLease, "another node decided for task '\(taskID)' while worker '\(workerID)' ran it; the result was not recorded")
        }
    }
}
