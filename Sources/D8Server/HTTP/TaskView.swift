import D8Core
import D8Store

/// A task as `GET /api/tasks/status/{id}` shows it, in D8's field names. A live task brings its
/// data already parsed; only a task read back from the store is parsed here.
struct TaskView: Sendable {
    let record: TaskRecord
    let data: JSONValue

    init(_ live: LiveTask) {
        record = live.record
        data = live.data
    }

    init(_ record: TaskRecord) {
        self.record = record
        data = (try? JSONValue.parse(record.data)) ?? .null
    }

    var json: JSONValue {
        let r = record
        return [
            "task_id": .string(r.taskID), "type": .string(r.type), "status": .string(r.status.rawValue),
            "priority": JSONValue(r.priority), "data": data,
            "assigned_to": JSONValue(r.assignedTo), "worker_type": JSONValue(r.workerType),
            "attempt": JSONValue(r.attempt), "max_attempts": JSONValue(r.maxAttempts),
            "created_at": .number(r.createdAt), "assigned_at": JSONValue(r.assignedAt),
            "completed_at": JSONValue(r.completedAt), "retry_at": JSONValue(r.notBefore),
            "result": r.result.flatMap { try? JSONValue.parse($0) } ?? .null,
            "errors": (try? JSONValue.parse(r.errors)) ?? [],
            "idempotency_key": JSONValue(r.idempotencyKey), "cost_usd": JSONValue(r.costUSD),
            "max_cost_usd": JSONValue(r.maxCostUSD), "held_reason": JSONValue(r.heldReason),
        ]
    }
}
