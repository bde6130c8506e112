import D8Core
import D8Store
import D8Wire

/// A task record on its way to `GET /api/tasks/status/{id}`. A live task brings its
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

    var status: TaskStatus {
        let r = record
        return TaskStatus(
            id: r.taskID, type: r.type, status: TaskState(rawValue: r.status.rawValue), priority: r.priority, data: data,
            assignedTo: r.assignedTo, workerType: r.workerType, attempt: r.attempt, maxAttempts: r.maxAttempts,
            createdAt: r.createdAt, assignedAt: r.assignedAt, completedAt: r.completedAt, retryAt: r.notBefore,
            result: r.result.flatMap { try? JSONValue.parse($0) }, errors: (try? JSONValue.parse(r.errors)) ?? [],
            idempotencyKey: r.idempotencyKey, costUSD: r.costUSD, maxCostUSD: r.maxCostUSD, heldReason: r.heldReason,
            jobID: r.jobID, deadline: r.deadline, cachedFrom: r.cachedFrom
        )
    }
}
