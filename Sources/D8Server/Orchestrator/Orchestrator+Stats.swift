import D8Core
import D8Store

extension Orchestrator {
    struct LiveCounts {
        var workersOnline = 0, busyWorkers = 0, pending = 0, assigned = 0
    }

    func liveCounts() -> LiveCounts {
        let (keys, pending, assigned) = state.withLock { state in
            (state.workers.values.map(\.key), state.tasks.values.count { $0.record.status == .pending }, state.leased.count)
        }
        var counts = LiveCounts(pending: pending, assigned: assigned)
        for key in keys {
            guard let row = workerTable.worker(key), row.state != .dead else { continue }
            counts.workersOnline += 1
            if row.state == .busy { counts.busyWorkers += 1 }
        }
        return counts
    }

    /// `/api/stats` in D8's shape, counted from the store (so it survives restarts and workers
    /// that come and go) and the live worker table; plus per task type and per worker type.
    func statistics() throws(APIError) -> JSONValue {
        let stored: StoreStatistics
        do { stored = try store.statistics() } catch {
            throw APIError(.shuttingDown, "the task store cannot be read: \(error)")
        }
        let live = liveCounts()
        let workers = workerList()
        var byType: [String: JSONValue] = [:]
        for (type, entries) in Dictionary(grouping: workers, by: { $0.0.workerType }) {
            byType[type] = JSONValue(entries.count)
        }
        func total(_ status: TaskStatus) -> Int { stored.byType.values.reduce(0) { $0 + ($1.counts[status] ?? 0) } }
        let completed = total(.completed), failed = total(.failed) + total(.dead)
        let all = stored.byType.values.reduce(0) { $0 + $1.counts.values.reduce(0, +) }

        var taskTypes: [String: JSONValue] = [:]
        for (type, s) in stored.byType {
            var counts: [String: JSONValue] = [:]
            for status in TaskStatus.allCases { counts[status.rawValue] = JSONValue(s.counts[status] ?? 0) }
            taskTypes[type] = [
                "counts": .object(counts), "success_rate": JSONValue(s.successRate),
                "queue_wait_s": s.queueWait.map { ["p50": .number($0.p50), "p99": .number($0.p99), "samples": JSONValue($0.count)] } ?? .null,
                "run_time_s": s.runTime.map { ["p50": .number($0.p50), "p99": .number($0.p99), "samples": JSONValue($0.count)] } ?? .null,
            ]
        }
        var workerTypes: [String: JSONValue] = [:]
        for type in config.workerTypes {
            let mine = workers.filter { $0.0.workerType == type.name }
            let s = stored.byWorkerType[type.name]
            workerTypes[type.name] = [
                "workers": JSONValue(mine.count), "busy_slots": JSONValue(mine.reduce(0) { $0 + ($1.1?.busySlots ?? 0) }),
                "free_slots": JSONValue(workerTable.freeSlots(type: config.workerTypeIndex(named: type.name) ?? 0)),
                "completed": JSONValue(s?.completed ?? 0), "failed": JSONValue(s?.failed ?? 0), "cost_usd": .number(s?.costUSD ?? 0),
            ]
        }
        return [
            "workers": ["total": JSONValue(workers.count), "online": JSONValue(live.workersOnline), "busy": JSONValue(live.busyWorkers), "by_type": .object(byType)],
            "tasks": [
                "total": JSONValue(all), "pending": JSONValue(total(.pending)), "assigned": JSONValue(total(.assigned)),
                "completed": JSONValue(completed), "failed": JSONValue(total(.failed)), "dead": JSONValue(total(.dead)),
                "cancelled": JSONValue(total(.cancelled)), "held": JSONValue(total(.held)),
            ],
            "performance": [
                "total_completed": JSONValue(completed), "total_failed": JSONValue(failed),
                "success_rate": completed + failed == 0 ? .null : .number(Double(completed) / Double(completed + failed)),
            ],
            "task_types": .object(taskTypes), "worker_types": .object(workerTypes), "cost": costJSON(),
        ]
    }

    /// Pending tasks in the order they would be dispatched now, and counts per type.
    func queueSnapshot(limit: Int) -> JSONValue {
        let epoch = Self.epochNow()
        let aging = config.queue.aging.seconds
        let pending = state.withLock { state in state.tasks.values.filter { $0.record.status == .pending }.map(\.record) }
        func effective(_ r: TaskRecord) -> Int { r.priority + (aging > 0 ? Int(max(0, epoch - r.createdAt) / aging) : 0) }
        let ordered = pending.sorted { a, b in
            let (ea, eb) = (effective(a), effective(b))
            return ea != eb ? ea > eb : a.seq < b.seq
        }
        let counts = Dictionary(grouping: pending, by: \.type).mapValues { JSONValue($0.count) }
        return [
            "tasks": .array(ordered.prefix(limit).map { r in
                [
                    "task_id": .string(r.taskID), "type": .string(r.type), "priority": JSONValue(r.priority),
                    "effective_priority": JSONValue(effective(r)), "created_at": .number(r.createdAt),
                    "attempt": JSONValue(r.attempt), "retry_at": JSONValue(r.notBefore),
                ]
            }),
            "total": JSONValue(pending.count), "by_type": .object(counts),
        ]
    }
}
