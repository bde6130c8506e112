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
    /// Not leased by then, the task ends `expired`.
    public var deadline: Deadline?
    /// false: never answered from the result cache.
    public var cache: Bool?

    public init(
        type: String, data: JSONValue, priority: Int? = nil, idempotencyKey: String? = nil, maxCostUSD: Double? = nil,
        deadline: Deadline? = nil, cache: Bool? = nil
    ) {
        self.type = type
        self.data = data
        self.priority = priority
        self.idempotencyKey = idempotencyKey
        self.maxCostUSD = maxCostUSD
        self.deadline = deadline
        self.cache = cache
    }

    /// A submit body as the orchestrator reads it; `priority` stays nil when absent.
    public init(json body: [String: JSONValue]) throws(WireError) {
        self.init(
            type: try body.requiredString("type"), data: try body.requiredObject("data"),
            priority: try body.optionalPriority(), idempotencyKey: try body.optionalString("idempotency_key"),
            maxCostUSD: try body.optionalUSD("max_cost_usd"), deadline: try body.optionalDeadline(),
            cache: try body.optionalBool("cache")
        )
    }

    /// The request body, in the protocol's field names.
    public var json: JSONValue {
        var body: [String: JSONValue] = ["type": .string(type), "data": data]
        if let priority { body["priority"] = JSONValue(priority) }
        if let idempotencyKey { body["idempotency_key"] = .string(idempotencyKey) }
        if let maxCostUSD { body["max_cost_usd"] = .number(maxCostUSD) }
        switch deadline {
        case let .at(time)?: body["deadline"] = .number(time)
        case let .in(seconds)?: body["deadline_in"] = .number(seconds)
        case nil: break
        }
        if let cache { body["cache"] = .bool(cache) }
        return .object(body)
    }
}

/// When a task must have been leased: at a Unix time, or within seconds of its submit.
public enum Deadline: Sendable, Equatable {
    case at(Double)
    case `in`(Double)

    /// Unix seconds, for a submit made at `now`.
    public func time(from now: Double) -> Double {
        switch self {
        case let .at(time): time
        case let .in(seconds): now + seconds
        }
    }
}
