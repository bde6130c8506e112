import D8Core

/// What the orchestrator answered to a submit.
public struct SubmittedTask: Sendable, Equatable {
    public let id: String
    /// True when the idempotency key was seen before: `id` is the first task's.
    public let isDuplicate: Bool
    /// The whole answer (the task's status fields, `"status": "submitted"` for a new task).
    public let json: JSONValue

    init(_ answer: JSONValue) throws(D8ClientError) {
        guard let id = answer["task_id"]?.stringValue else {
            throw .invalidAnswer("the submit answer has no task_id: \(answer.jsonString.prefix(200))")
        }
        self.id = id
        isDuplicate = answer["duplicate"]?.boolValue ?? false
        json = answer
    }
}
