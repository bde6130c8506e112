import D8Core
import D8Store
import D8Wire

/// What `/health`, `/api/stats`, the queue view and the worker list show: counters kept in
/// memory, so none of them walks the backlog.
extension Orchestrator {
    struct LiveCounts {
        var workersOnline = 0, busyWorkers = 0, pending = 0, assigned = 0
    }

    func liveCounts() -> LiveCounts {
        core.withLock { core in
            let s = core.scheduler
            let workers = s.workerCounts
            return LiveCounts(workersOnline: workers.online, busyWorkers: workers.busy, pending: s.count(.pending), assigned: s.count(.assigned))
        }
    }

    func workerList() -> [WorkerState] {
        core.withLock { $0.scheduler.workerList }
    }

    /// `/api/stats`: D8's counts, plus per task type and per worker type, and the costs. Everyone's
    /// come from counters; a client's from its rows in the store (off the cooperative pool), with
    /// its own budget and spending. Workers and prices are shared, so everyone sees them.
    func statistics(for viewer: Viewer) async throws(APIError) -> OrchestratorStats {
        let (tally, workers, counts, freeSlots, budget, prices) = core.withLock { core in
            let s = core.scheduler
            return (s.tally.statistics, s.workerList, s.workerCounts, s.freeSlotsByType, s.budget, s.prices)
        }
        let client = viewer.client
        // A cluster node's counters see only what happened here: the database sees every node's.
        let stored = if client != nil || cluster != nil {
            try await read { try await $0.statistics(sampleLimit: TaskTally.samplesKept, client: client) }
        } else {
            tally
        }
        var stats = OrchestratorStats()
        stats.workers.total = workers.count
        stats.workers.online = counts.online
        stats.workers.busy = counts.busy
        for worker in workers { stats.workers.byType[worker.workerType, default: 0] += 1 }
        func percentiles(_ p: Percentiles?) -> OrchestratorStats.Percentiles? {
            p.map { OrchestratorStats.Percentiles(p50: $0.p50, p99: $0.p99, samples: $0.count) }
        }
        for (name, s) in stored.byType {
            var type = OrchestratorStats.TaskType()
            for status in TaskRecord.Status.allCases {
                type.counts[status.rawValue] = s.counts[status] ?? 0
                stats.tasks[status.rawValue, default: 0] += s.counts[status] ?? 0
            }
            type.successRate = s.successRate
            type.queueWait = percentiles(s.queueWait)
            type.runTime = percentiles(s.runTime)
            type.cacheHits = s.cacheHits
            type.savedUSD = s.savedUSD
            stats.taskTypes[name] = type
        }
        stats.successRate = OrchestratorStats.successRate(of: stats.tasks)
        for workerType in config.workerTypes {
            let mine = workers.filter { $0.workerType == workerType.name }
            let s = stored.byWorkerType[workerType.name]
            var type = OrchestratorStats.WorkerType()
            type.workers = mine.count
            type.busySlots = mine.reduce(0) { $0 + $1.busySlots }
            type.freeSlots = freeSlots[workerType.name] ?? 0
            type.completed = s?.completed ?? 0
            type.failed = s?.failed ?? 0
            type.costUSD = s?.costUSD ?? 0
            stats.workerTypes[workerType.name] = type
        }
        stats.cost = Self.cost(budget: budget, prices: prices, now: Self.epochNow(), client: client)
        return stats
    }

    /// `cost` in `/api/stats`: today's spending and each budget's state; for a client, its own
    /// spending and its own budget only.
    static func cost(budget: BudgetBook, prices: PriceBook, now: Double, client: String? = nil) -> OrchestratorStats.Cost {
        var book = budget
        book.roll(to: now)
        var cost = OrchestratorStats.Cost()
        let scope: BudgetBook.Scope = client.map { .client($0) } ?? .global
        cost.spentTodayUSD = book.spent[scope, default: 0]
        cost.reservedUSD = book.reserved[scope, default: 0]
        if client == nil {
            for case let (.workerType(name), usd) in book.spent { cost.spentTodayByWorkerType[name] = usd }
        }
        cost.budgets = book.limits.keys.filter { client == nil || $0 == scope }.sorted().map { scope in
            var entry = OrchestratorStats.Budget(scope: scope.description)
            entry.limitUSD = book.limits[scope] ?? 0
            entry.spentUSD = book.spent[scope, default: 0]
            entry.reservedUSD = book.reserved[scope, default: 0]
            entry.remainingUSD = book.remaining(scope)
            return entry
        }
        cost.prices = prices.known.mapValues { OrchestratorStats.Price(inputPerMTok: $0.inputPerMTok, outputPerMTok: $0.outputPerMTok) }
        return cost
    }

    /// Pending tasks in the order they would be dispatched now, and counts per type; D8's
    /// `queue` (the same tasks) and its counts of every task by state, in its words.
    func queueSnapshot(limit: Int, for viewer: Viewer) async throws(APIError) -> JSONValue {
        let now = Self.epochNow()
        let view: (tasks: [Scheduler.QueuedView], total: Int, byType: [String: Int])
        if let cluster {
            // A node holds only a moment's prefetch: the queue is the database's.
            let (tasks, byType) = try await read { _ in try await cluster.queued(limit: limit, client: viewer.client) }
            let aging = config.queue.aging.seconds
            view = (tasks.map { record in
                let level = record.priority - TaskPriority.range.lowerBound
                return Scheduler.QueuedView(
                    record: record, effectivePriority: LaneQueue.effectivePriority(level: level, enqueuedAt: record.createdAt, now: now, aging: aging))
            }, byType.values.reduce(0, +), byType)
        } else {
            view = core.withLock { $0.scheduler.queueView(limit: limit, now: now, for: viewer) }
        }
        let items: [JSONValue] = view.tasks.map { item in
            let r = item.record
            return [
                "task_id": .string(r.taskID), "type": .string(r.type), "priority": JSONValue(r.priority), "status": "pending",
                "effective_priority": JSONValue(item.effectivePriority), "created_at": .number(r.createdAt),
                "attempt": JSONValue(r.attempt), "retry_at": JSONValue(r.notBefore),
            ]
        }
        var body: [String: JSONValue] = [
            "tasks": .array(items), "queue": .array(items),
            "total": JSONValue(view.total), "by_type": .object(view.byType.mapValues { JSONValue($0) }),
        ]
        for (word, count) in try await statistics(for: viewer).countsInD8Words { body[word] = JSONValue(count) }
        return .object(body)
    }
}
