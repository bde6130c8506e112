import D8Core

/// A task as a worker receives it from `GET /api/workers/{id}/tasks`: the task, the lease that
/// entitles the worker to report it, and how long it may take. Old D8 workers read data fields
/// at the top level, so the data's keys are copied there unless they collide with the task's.
public struct TaskLease: Sendable, Equatable {
    public let taskID: String
    public let type: String
    /// The task's data as the worker type should run it (a prompt shape's messages added).
    public let data: JSONValue
    public let priority: Int
    /// Absent only from an older orchestrator that hands out tasks without leases.
    public let lease: String?
    public let attempt: Int
    public let maxAttempts: Int
    public let createdAt: Double
    public let leaseExpiresAt: Double?
    public let timeout: Duration
    /// The whole task as it came, for the plugin.
    public let json: JSONValue

    public init(taskID: String, type: String, data: JSONValue, priority: Int, lease: String?, attempt: Int, maxAttempts: Int,
                createdAt: Double, leaseExpiresAt: Double?, timeout: Duration) {
        var task: [String: JSONValue] = [
            "task_id": .string(taskID), "type": .string(type), "data": data,
            "priority": JSONValue(priority), "lease": JSONValue(lease), "attempt": JSONValue(attempt),
            "max_attempts": JSONValue(maxAttempts), "created_at": .number(createdAt),
            "lease_expires_at": JSONValue(leaseExpiresAt), "timeout_s": .number(timeout.seconds),
        ]
        for (key, value) in data.objectValue ?? [:] where task[key] == nil { task[key] = value }
        self.init(taskID: taskID, type: type, data: data, priority: priority, lease: lease, attempt: attempt, maxAttempts: maxAttempts,
                  createdAt: createdAt, leaseExpiresAt: leaseExpiresAt, timeout: timeout, json: .object(task))
    }

    /// A task the orchestrator handed out; D8's older fields take their defaults.
    public init(json: JSONValue) throws(WireError) {
        guard let taskID = json["task_id"]?.stringValue, !taskID.isEmpty else {
            throw WireError(.missingField, "a leased task without task_id: \(json.jsonString.prefix(200))")
        }
        self.init(
            taskID: taskID, type: json["type"]?.stringValue ?? "", data: json["data"] ?? .null,
            priority: json["priority"]?.intValue ?? TaskPriority.default, lease: json["lease"]?.stringValue,
            attempt: json["attempt"]?.intValue ?? 1, maxAttempts: json["max_attempts"]?.intValue ?? 1,
            createdAt: json["created_at"]?.doubleValue ?? 0, leaseExpiresAt: json["lease_expires_at"]?.doubleValue,
            timeout: .milliseconds(Int64((json["timeout_s"]?.doubleValue ?? 120) * 1000)), json: json
        )
    }

    private init(taskID: String, type: String, data: JSONValue, priority: Int, lease: String?, attempt: Int, maxAttempts: Int,
                 createdAt: Double, leaseExpiresAt: Double?, timeout: Duration, json: JSONValue) {
        self.taskID = taskID
        self.type = type
        self.data = data
        self.priority = priority
        self.lease = lease
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.createdAt = createdAt
        self.leaseExpiresAt = leaseExpiresAt
        self.timeout = timeout
        self.json = json
    }
}
