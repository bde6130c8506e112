import D8Core
import D8Store

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

    /// `/api/stats` in D8's shape, plus per task type and per worker type, and the costs.
    func statistics() -> JSONValue {
        let (stored, workers, counts, freeSlots, budget, prices) = core.withLock { core in
            let s = core.scheduler
            return (s.tally.statistics, s.workerList, s.workerCounts, s.freeSlotsByType, s.budget, s.prices)
        }
        var byType: [String: JSONValue] = [:]
        for (type, entries) in Dictionary(grouping: workers, by: \.workerType) { byType[type] = JSONValue(entries.count) }
        func total(_ status: TaskRecord.Status) -> Int { stored.byType.values.reduce(0) { $0 + ($1.counts[status] ?? 0) } }
        let completed = total(.completed), failed = total(.failed) + total(.dead)
        let all = stored.byType.values.reduce(0) { $0 + $1.counts.values.reduce(0, +) }

        var taskTypes: [String: JSONValue] = [:]
        for (type, s) in stored.byType {
            var counts: [String: JSONValue] = [:]
            for status in TaskRecord.Status.allCases { counts[status.rawValue] = JSONValue(s.counts[status] ?? 0) }
            taskTypes[type] = [
                "counts": .object(counts), "success_rate": JSONValue(s.successRate),
                "queue_wait_s": s.queueWait.map { ["p50": .number($0.p50), "p99": .number($0.p99), "samples": JSONValue($0.count)] } ?? .null,
                "run_time_s": s.runTime.map { ["p50": .number($0.p50), "p99": .number($0.p99), "samples": JSONValue($0.count)] } ?? .null,
            ]
        }
        var workerTypes: [String: JSONValue] = [:]
        for type in config.workerTypes {
            let mine = workers.filter { $0.workerType == type.name }
            let s = stored.byWorkerType[type.name]
            workerTypes[type.name] = [
                "workers": JSONValue(mine.count), "busy_slots": JSONValue(mine.reduce(0) { $0 + $1.busySlots }),
                "free_slots": JSONValue(freeSlots[type.name] ?? 0),
                "completed": JSONValue(s?.completed ?? 0), "failed": JSONValue(s?.failed ?? 0), "cost_usd": .number(s?.costUSD ?? 0),
            ]
        }
        return [
            "workers": ["total": JSONValue(workers.count), "online": JSONValue(counts.online), "busy": JSONValue(counts.busy), "by_type": .object(byType)],
            "tasks": [
                "total": JSONValue(all), "pending": JSONValue(total(.pending)), "assigned": JSONValue(total(.assigned)),
                "completed": JSONValue(completed), "failed": JSONValue(total(.failed)), "dead": JSONValue(total(.dead)),
                "cancelled": JSONValue(total(.cancelled)), "held": JSONValue(total(.held)),
            ],
            "performance": [
                "total_completed": JSONValue(completed), "total_failed": JSONValue(failed),
                "success_rate": completed + failed == 0 ? .null : .number(Double(completed) / Double(completed + failed)),
            ],
            "task_types": .object(taskTypes), "worker_types": .object(workerTypes),
            "cost": Self.costJSON(budget: budget, prices: prices, now: Self.epochNow()),
        ]
    }

    /// `cost` in `/api/stats`: today's spending and each budget's state.
    static func costJSON(budget: BudgetBook, prices: PriceBook, now: Double) -> JSONValue {
        var book = budget
        book.roll(to: now)
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
            "prices_usd_per_mtok": .object(prices.known.mapValues { ["input": .number($0.inputPerMTok), "output": .number($0.outputPerMTok)] }),
        ]
    }

    /// Pending tasks in the order they would be dispatched now, and counts per type.
    func queueSnapshot(limit: Int) -> JSONValue {
        let now = Self.epochNow()
        let view = core.withLock { $0.scheduler.queueView(limit: limit, now: now) }
        return [
            "tasks": .array(view.tasks.map { item in
                let r = item.record
                return [
                    "task_id": .string(r.taskID), "type": .string(r.type), "priority": JSONValue(r.priority),
                    "effective_priority": JSONValue(item.effectivePriority), "created_at": .number(r.createdAt),
                    "attempt": JSONValue(r.attempt), "retry_at": JSONValue(r.notBefore),
                ]
            }),
            "total": JSONValue(view.total), "by_type": .object(view.byType.mapValues { JSONValue($0) }),
        ]
    }
}
