import D8Core

/// A task as `GET /api/tasks/status/{id}` (and cancel, and a status long-poll) shows it: the
/// server builds it from its record, the client reads it back; `json` keeps the whole answer.
public struct TaskStatus: Sendable, Equatable {
    public let id: String
    public let type: String
    public let status: TaskState
    /// Attempts so far (0 before the first lease).
    public let attempt: Int
    public let maxAttempts: Int?
    /// The worker holding or last holding the task.
    public let assignedTo: String?
    /// Unix epoch seconds.
    public let createdAt: Double?
    public let completedAt: Double?
    /// The result as the worker reported it, plus what d8 adds (`model`, `usage`, `cost_usd`...).
    public let result: JSONValue?
    /// One entry per failed attempt.
    public let errors: [TaskError]
    /// Why a held task waits (a spent budget...).
    public let heldReason: String?
    public let costUSD: Double?
    /// True when the result came from the caller's local fallback, not from the orchestrator.
    public let isLocal: Bool
    public let json: JSONValue

    /// An LLM task's text: `result.output`, or D8's older `result.result`.
    public var output: String? { result?["output"]?.stringValue ?? result?["result"]?.stringValue }

    /// What went wrong, in the words of the last error (or of the result).
    public var errorMessage: String? { errors.last?.message ?? result?["error"]?.stringValue }

    public init(json: JSONValue) throws(WireError) {
        // d8's own word when the answer has it; `status` is in D8's older words.
        guard let id = json["task_id"]?.stringValue, let status = json["d8_status"]?.stringValue ?? json["status"]?.stringValue else {
            throw WireError(.missingField, "a task status without task_id or status: \(json.jsonString.prefix(200))")
        }
        self.init(id: id, status: TaskState(rawValue: status), json: json)
    }

    /// The answer the orchestrator gives for a task, in the protocol's field names. `result` and
    /// `errors` are the JSON the worker reported and the store kept.
    public init(
        id: String, type: String, status: TaskState, priority: Int, data: JSONValue,
        assignedTo: String?, workerType: String?, attempt: Int, maxAttempts: Int,
        createdAt: Double, assignedAt: Double?, completedAt: Double?, retryAt: Double?,
        result: JSONValue?, errors: JSONValue, idempotencyKey: String?, costUSD: Double?,
        maxCostUSD: Double?, heldReason: String?, jobID: String? = nil, deadline: Double? = nil, cachedFrom: String? = nil
    ) {
        let json: JSONValue = [
            "task_id": .string(id), "type": .string(type), "status": .string(status.olderWord.rawValue),
            "d8_status": .string(status.rawValue), "job_id": JSONValue(jobID), "deadline": JSONValue(deadline),
            "cached": .bool(cachedFrom != nil), "cached_from": JSONValue(cachedFrom),
            "priority": JSONValue(priority), "data": data,
            "assigned_to": JSONValue(assignedTo), "worker_type": JSONValue(workerType),
            "attempt": JSONValue(attempt), "max_attempts": JSONValue(maxAttempts),
            "created_at": .number(createdAt), "assigned_at": JSONValue(assignedAt),
            "completed_at": JSONValue(completedAt), "retry_at": JSONValue(retryAt),
            "result": result ?? .null, "errors": errors,
            "idempotency_key": JSONValue(idempotencyKey), "cost_usd": JSONValue(costUSD),
            "max_cost_usd": JSONValue(maxCostUSD), "held_reason": JSONValue(heldReason),
        ]
        self.init(id: id, status: status, json: json)
    }

    /// The typed fields read from `json`, which holds the id and status given.
    public init(id: String, status: TaskState, json: JSONValue) {
        self.id = id
        self.status = status
        type = json["type"]?.stringValue ?? ""
        attempt = json["attempt"]?.intValue ?? 0
        maxAttempts = json["max_attempts"]?.intValue
        assignedTo = json["assigned_to"]?.stringValue
        createdAt = json["created_at"]?.doubleValue
        completedAt = json["completed_at"]?.doubleValue
        // JSON null is no result (and a `nil` literal would read as JSONValue.null here).
        if let result = json["result"], result != .null { self.result = result } else { result = .none }
        errors = json["errors"]?.arrayValue?.map(TaskError.init) ?? []
        heldReason = json["held_reason"]?.stringValue
        costUSD = json["cost_usd"]?.doubleValue
        isLocal = json["local"]?.boolValue ?? false
        self.json = json
    }
}

/// A failed attempt as the orchestrator kept it.
public struct TaskError: Sendable, Equatable {
    public let attempt: Int
    public let message: String
    public let workerID: String?
    /// Unix epoch seconds.
    public let at: Double?

    public init(_ json: JSONValue) {
        attempt = json["attempt"]?.intValue ?? 0
        message = json["error"]?.stringValue ?? json.jsonString
        workerID = json["worker_id"]?.stringValue
        at = json["at"]?.doubleValue
    }
}
