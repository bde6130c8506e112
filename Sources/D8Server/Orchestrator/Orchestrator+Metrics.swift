import D8Core
import D8Store

/// What the metrics count as events happen, and what a scrape reads from the scheduler.
extension Orchestrator {
    func recordSubmitted(_ tasks: [LiveTask]) {
        var byType: [String: Int] = [:]
        for task in tasks { byType[task.record.type, default: 0] += 1 }
        for (type, count) in byType { metrics.count("d8_tasks_submitted_total", ["task_type": type], by: count) }
    }

    func record(_ effects: SchedulerEffects) {
        for observation in effects.observations {
            switch observation {
            case let .retried(type): metrics.count("d8_tasks_retried_total", ["task_type": type])
            case let .leaseExpired(type): metrics.count("d8_lease_expiries_total", ["task_type": type])
            case let .held(type): metrics.count("d8_budget_holds_total", ["task_type": type])
            case let .providerCall(call):
                let labels: KeyValuePairs<String, String> = ["worker_type": call.workerType, "model": call.model]
                metrics.count("d8_provider_calls_total", ["worker_type": call.workerType, "model": call.model, "outcome": call.succeeded ? "success" : "failure"])
                metrics.count("d8_provider_tokens_total", ["worker_type": call.workerType, "model": call.model, "direction": "input"], by: call.inputTokens)
                metrics.count("d8_provider_tokens_total", ["worker_type": call.workerType, "model": call.model, "direction": "output"], by: call.outputTokens)
                metrics.add("d8_provider_cost_usd_total", labels, call.costUSD)
                if let seconds = call.seconds {
                    metrics.record("d8_provider_call_seconds", labels, seconds: seconds)
                    // A call that is not streamed shows its first token with its whole answer.
                    metrics.record("d8_provider_time_to_first_token_seconds", labels, seconds: call.firstTokenSeconds ?? seconds)
                }
            }
        }
        for record in effects.finished {
            metrics.count("d8_tasks_finished_total", ["task_type": record.type, "outcome": record.status.rawValue])
            guard let assigned = record.assignedAt else { continue }
            metrics.record("d8_task_queue_wait_seconds", ["task_type": record.type], seconds: assigned - record.createdAt)
            if record.status != .cancelled, let done = record.completedAt {
                metrics.record("d8_task_run_seconds", ["task_type": record.type], seconds: done - assigned)
            }
        }
    }

    /// `/metrics`: the gauges read now, then every series in Prometheus' text format.
    func metricsExposition() -> [UInt8] {
        let now = Self.epochNow()
        let (queues, live, workers, book) = core.withLock { core in
            let s = core.scheduler
            return (s.queueGauges(now: now), [TaskRecord.Status.pending, .assigned, .held].map { ($0, s.count($0)) }, s.workerList, s.budget)
        }
        metrics.setGauges("d8_queue_depth", queues.map { (["task_type": $0.taskType, "priority": "\($0.priority)"], Double($0.depth)) })
        metrics.setGauges("d8_queue_oldest_age_seconds", queues.map { (["task_type": $0.taskType, "priority": "\($0.priority)"], $0.oldestAge) })
        metrics.setGauges("d8_tasks_live", live.map { (["status": $0.0.rawValue], Double($0.1)) })
        var online: [String: (workers: Int, free: Int, busy: Int)] = [:]
        for type in config.workerTypes { online[type.name] = (0, 0, 0) }
        for worker in workers {
            var entry = online[worker.workerType] ?? (0, 0, 0)
            entry.workers += 1
            entry.free += worker.freeSlots
            entry.busy += worker.busySlots
            online[worker.workerType] = entry
        }
        metrics.setGauges("d8_workers", online.map { (["worker_type": $0.key], Double($0.value.workers)) })
        metrics.setGauges("d8_worker_slots_free", online.map { (["worker_type": $0.key], Double($0.value.free)) })
        metrics.setGauges("d8_worker_slots_busy", online.map { (["worker_type": $0.key], Double($0.value.busy)) })
        var budget = book
        budget.roll(to: now)
        let scopes = budget.limits.keys.sorted()
        metrics.setGauges("d8_budget_limit_usd", scopes.map { (["scope": $0.description], budget.limits[$0] ?? 0) })
        metrics.setGauges("d8_budget_spent_usd", scopes.map { (["scope": $0.description], budget.spent[$0, default: 0]) })
        metrics.setGauges("d8_budget_reserved_usd", scopes.map { (["scope": $0.description], budget.reserved[$0, default: 0]) })
        return metrics.exposition()
    }
}
