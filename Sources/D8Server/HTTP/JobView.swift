import D8Core
import D8Store
import D8Wire

/// A job on its way to `GET /api/jobs/{id}`: counts by state, progress, cost so far and each
/// task's outcome in submission order.
struct JobView: Sendable {
    let job: JobRecord
    let tasks: [TaskRecord]

    var finished: Int { tasks.count { $0.status.isFinished } }
    var isDone: Bool { finished == tasks.count }
    /// Tasks that ended without a result, cancelled ones aside.
    var failures: Int { tasks.count { [.failed, .dead, .expired].contains($0.status) } }
    var costUSD: Double { tasks.reduce(0) { $0 + ($1.costUSD ?? 0) } }

    func json(results: Bool) -> JSONValue {
        var counts: [String: JSONValue] = [:]
        for status in TaskRecord.Status.allCases { counts[status.rawValue] = 0 }
        for task in tasks { counts[task.status.rawValue] = JSONValue((counts[task.status.rawValue]?.intValue ?? 0) + 1) }
        var body: [String: JSONValue] = [
            "job_id": .string(job.jobID), "name": JSONValue(job.name), "created_at": .number(job.createdAt),
            "deadline": JSONValue(job.deadline), "total": JSONValue(job.total), "finished": JSONValue(finished),
            "progress": .number(job.total == 0 ? 1 : Double(finished) / Double(job.total)), "done": .bool(isDone),
            "counts": .object(counts), "failures": JSONValue(failures), "cost_usd": .number(costUSD),
            "cache_hits": JSONValue(tasks.count { $0.cachedFrom != nil }),
        ]
        if results { body["results"] = .array(tasks.map(Self.outcome)) }
        return .object(body)
    }

    /// One task's outcome: its result when it completed, its last error otherwise.
    static func outcome(_ r: TaskRecord) -> JSONValue {
        let unsuccessful = r.status.isFinished && r.status != .completed
        let lastError = (try? JSONValue.parse(r.errors))?.arrayValue?.last?["error"]?.stringValue
        return JobStatus.Outcome(
            taskID: r.taskID, state: TaskState(rawValue: r.status.rawValue),
            result: r.status == .completed ? r.result.flatMap { try? JSONValue.parse($0) } : nil,
            error: unsuccessful ? lastError ?? r.status.rawValue : nil
        ).json
    }
}
