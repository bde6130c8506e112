import D8Core

/// A task to submit: its type, its data and the optional limits of `POST /api/tasks/submit`
/// (and of each element of `POST /api/tasks/batch`).
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

    /// A submit body as the orchestrator reads it; `priority` stays nil when absent.
    public init(json body: [String: JSONValue]) throws(WireError) {
        self.init(
            type: try body.requiredString("type"), data: try body.requiredObject("data"),
            priority: try body.optionalPriority(), idempotencyKey: try body.optionalString("idempotency_key"),
            maxCostUSD: try body.optionalUSD("max_cost_usd")
        )
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
