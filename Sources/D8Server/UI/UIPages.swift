import D8Core
import D8Store
import D8Wire
import Foundation
import Hummingbird

/// Each page's values for its template: plain strings and numbers, formatted here.
enum UIPages {
    static func overview(_ stats: OrchestratorStats, minutes: [MinuteCount], now: Double) -> [String: Any] {
        let states = TaskRecord.Status.allCases.map { ["name": $0.rawValue, "count": stats.tasks[$0.rawValue] ?? 0] as [String: Any] }
        // One bar pair a minute over the hour, scaled to the busiest minute.
        let start = (now / 60).rounded(.down) * 60 - 59 * 60
        let byMinute = Dictionary(minutes.map { ($0.minute, $0) }) { a, _ in a }
        let peak = max(1, minutes.map { $0.completed + $0.failed }.max() ?? 1)
        var bars: [[String: Any]] = []
        for index in 0..<60 {
            let minute = start + Double(index) * 60
            let counts = byMinute[minute]
            let done = counts?.completed ?? 0, failed = counts?.failed ?? 0
            let doneHeight = Double(done) / Double(peak) * 96, failedHeight = Double(failed) / Double(peak) * 96
            let label = "\(UIFormat.time(minute)): \(done) completed, \(failed) failed"
            bars.append(["x": index * 10, "y": 100 - doneHeight, "height": doneHeight, "kind": "completed", "label": label])
            if failed > 0 { bars.append(["x": index * 10, "y": 100 - doneHeight - failedHeight, "height": failedHeight, "kind": "failed", "label": label]) }
        }
        return [
            "states": states, "workersOnline": stats.workers.online, "bars": bars,
            "finishedLastHour": minutes.reduce(0) { $0 + $1.completed }, "failedLastHour": minutes.reduce(0) { $0 + $1.failed },
            "budgets": budgets(stats.cost), "spentToday": UIFormat.usd(stats.cost?.spentTodayUSD ?? 0),
        ]
    }

    static func budgets(_ cost: OrchestratorStats.Cost?) -> [[String: Any]] {
        (cost?.budgets ?? []).map { budget in
            ["scope": budget.scope, "spent": UIFormat.usd(budget.spentUSD), "reserved": UIFormat.usd(budget.reservedUSD),
             "limit": UIFormat.usd(budget.limitUSD), "left": UIFormat.usd(budget.remainingUSD)]
        }
    }

    static func queues(_ view: Orchestrator.QueuesView, taskTypes: [String], user: UIUser, now: Double) -> [String: Any] {
        let queues = view.queues.sorted { ($0.taskType, -$0.priority) < ($1.taskType, -$1.priority) }.map { queue -> [String: Any] in
            ["taskType": queue.taskType, "priority": queue.priority, "depth": queue.depth, "oldest": UIFormat.duration(queue.oldestAge)]
        }
        let types = taskTypes.sorted().map { ["name": $0, "paused": view.paused.contains($0), "canControl": user.isAdmin] as [String: Any] }
        let held = view.held.map { ["id": $0.taskID, "shortID": UIFormat.shortID($0.taskID), "type": $0.type, "reason": $0.heldReason ?? ""] }
        return ["queues": queues, "taskTypes": types, "held": held]
    }

    /// The task list's filters, read from the query and written back into its links.
    struct TaskFilter {
        var state: TaskRecord.Status?
        var type: String?
        var workerType: String?
        var page = 1
        static let pageSize = 50

        init(query: Hummingbird.Parameters) {
            state = query["state"].flatMap { TaskRecord.Status(rawValue: String($0)) }
            type = query["type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            workerType = query["worker_type"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            page = query["page"].flatMap { Int($0) }.map { max(1, $0) } ?? 1
        }

        var storeQuery: TaskQuery {
            TaskQuery(status: state, type: type, workerType: workerType, limit: Self.pageSize + 1, offset: (page - 1) * Self.pageSize)
        }

        func link(page: Int) -> String {
            var items = [URLQueryItem(name: "page", value: "\(page)")]
            if let state { items.append(URLQueryItem(name: "state", value: state.rawValue)) }
            if let type { items.append(URLQueryItem(name: "type", value: type)) }
            if let workerType { items.append(URLQueryItem(name: "worker_type", value: workerType)) }
            var components = URLComponents()
            components.path = "/ui/tasks"
            components.queryItems = items
            return components.string ?? "/ui/tasks"
        }
    }

    static func tasks(_ found: [TaskRecord], filter: TaskFilter, taskTypes: [String], workerTypes: [String]) -> [String: Any] {
        let rows = found.prefix(TaskFilter.pageSize).map { r -> [String: Any] in
            ["id": r.taskID, "shortID": UIFormat.shortID(r.taskID), "type": r.type, "status": r.status.rawValue, "priority": r.priority,
             "workerType": r.workerType ?? "", "created": UIFormat.time(r.createdAt), "cost": UIFormat.usd(r.costUSD)]
        }
        var values: [String: Any] = [
            "rows": rows, "page": filter.page,
            "states": TaskRecord.Status.allCases.map { ["name": $0.rawValue, "selected": $0 == filter.state] as [String: Any] },
            "types": taskTypes.sorted().map { ["name": $0, "selected": $0 == filter.type] as [String: Any] },
            "workerTypes": workerTypes.sorted().map { ["name": $0, "selected": $0 == filter.workerType] as [String: Any] },
        ]
        if filter.page > 1 { values["previous"] = filter.link(page: filter.page - 1) }
        if found.count > TaskFilter.pageSize { values["next"] = filter.link(page: filter.page + 1) }
        return values
    }

    static func task(_ view: TaskView) -> [String: Any] {
        let r = view.record
        let result = r.result.flatMap { try? JSONValue.parse($0) }
        let usage = result?["usage"]
        let errors = ((try? JSONValue.parse(r.errors))?.arrayValue ?? []).map { entry -> [String: Any] in
            ["attempt": entry["attempt"]?.intValue ?? 0, "worker": entry["worker_id"]?.stringValue ?? "–",
             "at": UIFormat.time(entry["at"]?.doubleValue), "error": entry["error"]?.stringValue ?? ""]
        }
        let tokens = usage.map { "\($0["input_tokens"]?.intValue ?? 0) in, \($0["output_tokens"]?.intValue ?? 0) out" } ?? "–"
        var values: [String: Any] = [
            "id": r.taskID, "status": r.status.rawValue, "type": r.type, "priority": r.priority,
            "worker": r.assignedTo ?? "–", "workerType": r.workerType ?? "–", "model": result?["model"]?.stringValue ?? "–",
            "tokens": tokens, "cost": UIFormat.usd(r.costUSD), "attempt": r.attempt, "maxAttempts": r.maxAttempts,
            "created": UIFormat.time(r.createdAt), "assigned": UIFormat.time(r.assignedAt), "completed": UIFormat.time(r.completedAt),
            "waited": UIFormat.duration(r.assignedAt.map { $0 - r.createdAt }),
            "ran": UIFormat.duration(r.assignedAt.flatMap { assigned in r.completedAt.map { $0 - assigned } }),
            "data": pretty(view.data), "result": result.map(pretty) ?? "–", "errors": errors,
            "canCancel": !r.status.isFinished, "canRetry": [.failed, .dead, .cancelled].contains(r.status),
        ]
        if let reason = r.heldReason { values["heldReason"] = reason }
        return values
    }

    static func workers(_ workers: [(worker: WorkerState, taskIDs: [String])]) -> [String: Any] {
        ["workers": workers.map { entry -> [String: Any] in
            let w = entry.worker
            return ["id": w.id, "type": w.workerType, "busy": w.busySlots, "slots": w.slots, "lastSeen": UIFormat.time(w.lastSeen),
                    "tasks": entry.taskIDs.map { ["id": $0, "shortID": UIFormat.shortID($0)] }, "completed": w.completed, "failed": w.failed]
        }]
    }

    static func costs(_ stats: OrchestratorStats, days: [DailySpend]) -> [String: Any] {
        [
            "spentToday": UIFormat.usd(stats.cost?.spentTodayUSD ?? 0), "reserved": UIFormat.usd(stats.cost?.reservedUSD ?? 0),
            "budgets": budgets(stats.cost),
            "days": days.map { ["day": $0.day, "workerType": $0.workerType, "model": $0.model.isEmpty ? "–" : $0.model,
                                "tasks": $0.tasks, "usd": UIFormat.usd($0.usd)] as [String: Any] },
        ]
    }

    /// JSON as a person reads it: indented, keys sorted.
    static func pretty(_ value: JSONValue) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(value.jsonBytes), options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes])
        else { return value.jsonString }
        return String(decoding: data, as: UTF8.self)
    }
}
