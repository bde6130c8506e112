import D8Core
import D8Wire

extension TaskStatus {
    /// An answer of the orchestrator's, or the error saying it is not a task status.
    init(answer json: JSONValue) throws(D8ClientError) {
        do { try self.init(json: json) } catch { throw .invalidAnswer(error.message) }
    }

    /// A task the local fallback ran: completed at once with its result, never seen by d8.
    static func local(_ submission: TaskSubmission, id: String, result: JSONValue, at now: Double) -> TaskStatus {
        let json: JSONValue = [
            "task_id": .string(id), "type": .string(submission.type), "status": "completed", "local": true,
            "attempt": 1, "data": submission.data, "created_at": .number(now), "completed_at": .number(now), "result": result,
        ]
        return TaskStatus(id: id, status: .completed, json: json)
    }
}
