import D8Core

/// A task to submit: its type, its data and the optional limits of `POST /api/tasks/submit`.
public struct TaskSubmission: Sendable, Equatable {
    public var type: String
    /// A JSON object; its shape depends on the task type (`messages` for `agent_action`...).
    public var data: JSONValue
    /// 1 (low) to 10 (urgent); nil: the orchestrator's default (5).
    public var priority: Int?
    /// A repeated key returns the first task instead of creating another.
    public var idempotencyKey: String?
    /// Worker types whose estimated cost exceeds this are not eligible.
    public var maxCostUSD: Double?

    public init(type: String, data: JSONValue, priority: Int? = nil, idempotencyKey: String? = nil, maxCostUSD: Double? = nil) {
        self.type = type
        self.data = data
        self.priority = priority
        self.idempotencyKey = idempotencyKey
        self.maxCostUSD = maxCostUSD
    }

    /// The request body, in the protocol's field names.
    public var json: JSONValue {
        var body: [String: JSONValue] = ["type": .string(type), "data": data]
        if let priority { body["priority"] = JSONValue(priority) }
        if let idempotencyKey { body["idempotency_key"] = .string(idempotencyKey) }
        if let maxCostUSD { body["max_cost_usd"] = .number(maxCostUSD) }
        return .object(body)
    }
}

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
