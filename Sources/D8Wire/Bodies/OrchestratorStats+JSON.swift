import D8Core

/// The stats in the protocol's field names: D8's `workers`, `tasks` and `performance`, then
/// d8's `task_types`, `worker_types` and `cost`.
extension OrchestratorStats {
    static let statuses = ["pending", "assigned", "held", "completed", "failed", "dead", "cancelled", "expired"]

    public var json: JSONValue {
        // D8's four counts sum to the total; d8's own words are in `by_d8_status`.
        var taskCounts = countsInD8Words.mapValues { JSONValue($0) }
        taskCounts["total"] = JSONValue(totalTasks)
        taskCounts["by_d8_status"] = .object(Self.statuses.reduce(into: [String: JSONValue]()) { $0[$1] = JSONValue(tasks[$1, default: 0]) })
        let completed = tasks["completed", default: 0], failed = tasks["failed", default: 0] + tasks["dead", default: 0]
        var body: [String: JSONValue] = [
            "workers": [
                "total": JSONValue(workers.total), "online": JSONValue(workers.online), "busy": JSONValue(workers.busy),
                "by_type": .object(workers.byType.mapValues { JSONValue($0) }),
            ],
            "tasks": .object(taskCounts),
            "performance": [
                "total_completed": JSONValue(completed), "total_failed": JSONValue(failed), // D8's rate is a percentage (0 before any finished); d8's fraction beside it.
                "success_rate": .number((successRate ?? 0) * 100), "success_fraction": JSONValue(successRate),
            ],
            "cache": ["hits": JSONValue(cacheHits), "saved_usd": .number(savedUSD)],
            "task_types": .object(taskTypes.mapValues(\.json)),
            "worker_types": .object(workerTypes.mapValues(\.json)),
        ]
        if let cost { body["cost"] = cost.json }
        return .object(body)
    }

    public init(json: JSONValue) {
        self.init()
        let w = json["workers"]
        workers.total = w?["total"]?.intValue ?? 0
        workers.online = w?["online"]?.intValue ?? 0
        workers.busy = w?["busy"]?.intValue ?? 0
        workers.byType = Self.ints(w?["by_type"])
        // An older orchestrator's flat counts are already d8's words.
        tasks = Self.ints(json["tasks"]?["by_d8_status"] ?? json["tasks"]).filter { $0.key != "total" }
        taskTypes = (json["task_types"]?.objectValue ?? [:]).mapValues(TaskType.init(json:))
        workerTypes = (json["worker_types"]?.objectValue ?? [:]).mapValues(WorkerType.init(json:))
        cost = json["cost"].flatMap { $0 == .null ? nil : Cost(json: $0) }
        successRate = json["performance"]?["success_fraction"]?.doubleValue
    }

    static func ints(_ json: JSONValue?) -> [String: Int] { (json?.objectValue ?? [:]).compactMapValues(\.intValue) }
}

extension OrchestratorStats.Percentiles {
    var json: JSONValue { ["p50": .number(p50), "p99": .number(p99), "samples": JSONValue(samples)] }

    init?(json: JSONValue?) {
        guard let json, let p50 = json["p50"]?.doubleValue, let p99 = json["p99"]?.doubleValue else { return nil }
        self.init(p50: p50, p99: p99, samples: json["samples"]?.intValue ?? 0)
    }
}

extension OrchestratorStats.TaskType {
    var json: JSONValue {
        [
            "counts": .object(OrchestratorStats.statuses.reduce(into: [:]) { $0[$1] = JSONValue(counts[$1, default: 0]) }),
            "success_rate": JSONValue(successRate), "queue_wait_s": queueWait?.json ?? .null, "run_time_s": runTime?.json ?? .null,
            "cache_hits": JSONValue(cacheHits), "saved_usd": .number(savedUSD),
        ]
    }

    init(json: JSONValue) {
        self.init()
        counts = OrchestratorStats.ints(json["counts"])
        successRate = json["success_rate"]?.doubleValue
        queueWait = OrchestratorStats.Percentiles(json: json["queue_wait_s"])
        runTime = OrchestratorStats.Percentiles(json: json["run_time_s"])
        cacheHits = json["cache_hits"]?.intValue ?? 0
        savedUSD = json["saved_usd"]?.doubleValue ?? 0
    }
}

extension OrchestratorStats.WorkerType {
    var json: JSONValue {
        [
            "workers": JSONValue(workers), "busy_slots": JSONValue(busySlots), "free_slots": JSONValue(freeSlots),
            "completed": JSONValue(completed), "failed": JSONValue(failed), "cost_usd": .number(costUSD),
        ]
    }

    init(json: JSONValue) {
        self.init()
        workers = json["workers"]?.intValue ?? 0
        busySlots = json["busy_slots"]?.intValue ?? 0
        freeSlots = json["free_slots"]?.intValue ?? 0
        completed = json["completed"]?.intValue ?? 0
        failed = json["failed"]?.intValue ?? 0
        costUSD = json["cost_usd"]?.doubleValue ?? 0
    }
}

extension OrchestratorStats.Cost {
    var json: JSONValue {
        [
            "spent_today_usd": .number(spentTodayUSD), "reserved_usd": .number(reservedUSD),
            "spent_today_by_worker_type": .object(spentTodayByWorkerType.mapValues(JSONValue.number)),
            "budgets": .array(budgets.map(\.json)),
            "prices_usd_per_mtok": .object(prices.mapValues { ["input": .number($0.inputPerMTok), "output": .number($0.outputPerMTok)] }),
        ]
    }

    init(json: JSONValue) {
        self.init()
        spentTodayUSD = json["spent_today_usd"]?.doubleValue ?? 0
        reservedUSD = json["reserved_usd"]?.doubleValue ?? 0
        spentTodayByWorkerType = (json["spent_today_by_worker_type"]?.objectValue ?? [:]).compactMapValues(\.doubleValue)
        budgets = (json["budgets"]?.arrayValue ?? []).map(OrchestratorStats.Budget.init(json:))
        prices = (json["prices_usd_per_mtok"]?.objectValue ?? [:]).compactMapValues { price in
            guard let input = price["input"]?.doubleValue, let output = price["output"]?.doubleValue else { return nil }
            return OrchestratorStats.Price(inputPerMTok: input, outputPerMTok: output)
        }
    }
}

extension OrchestratorStats.Budget {
    var json: JSONValue {
        [
            "scope": .string(scope), "period": .string(period), "limit_usd": .number(limitUSD), "spent_usd": .number(spentUSD),
            "reserved_usd": .number(reservedUSD), "remaining_usd": JSONValue(remainingUSD),
        ]
    }

    init(json: JSONValue) {
        self.init(scope: json["scope"]?.stringValue ?? "-")
        period = json["period"]?.stringValue ?? "-"
        limitUSD = json["limit_usd"]?.doubleValue ?? 0
        spentUSD = json["spent_usd"]?.doubleValue ?? 0
        reservedUSD = json["reserved_usd"]?.doubleValue ?? 0
        remainingUSD = json["remaining_usd"]?.doubleValue
    }
}
