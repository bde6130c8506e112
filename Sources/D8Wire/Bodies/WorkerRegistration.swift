import D8Core

/// `POST /api/workers/register`: who the worker is, which worker type it serves, and what it
/// can do (`slots`, `task_types`, the plugin's description).
public struct WorkerRegistration: Sendable, Equatable {
    public let workerID: String
    public let workerType: String
    public let capabilities: JSONValue

    public init(workerID: String, workerType: String, capabilities: JSONValue = [:]) {
        self.workerID = workerID
        self.workerType = workerType
        self.capabilities = capabilities
    }

    public init(json body: [String: JSONValue]) throws(WireError) {
        self.init(workerID: try body.requiredString("worker_id"), workerType: try body.requiredString("worker_type"),
                  capabilities: try body.optionalObject("capabilities") ?? [:])
    }

    public var json: JSONValue {
        ["worker_id": .string(workerID), "worker_type": .string(workerType), "capabilities": capabilities]
    }
}

/// What the orchestrator tells a worker that registered: the slots it granted, the task types
/// it will hand out, and the clocks the worker must keep to.
public struct RegistrationAnswer: Sendable, Equatable {
    public let workerID: String
    public let workerType: String
    public let slots: Int
    public let taskTypes: [String]
    public let heartbeatInterval: Duration
    /// Silence longer than this and the orchestrator takes the worker's tasks back.
    public let workerTimeout: Duration
    public let taskTimeout: Duration

    public init(workerID: String, workerType: String, slots: Int, taskTypes: [String],
                heartbeatInterval: Duration, workerTimeout: Duration, taskTimeout: Duration) {
        self.workerID = workerID
        self.workerType = workerType
        self.slots = slots
        self.taskTypes = taskTypes
        self.heartbeatInterval = heartbeatInterval
        self.workerTimeout = workerTimeout
        self.taskTimeout = taskTimeout
    }

    /// Reads the answer; fields an older orchestrator leaves out take D8's defaults.
    public init(json: JSONValue) {
        func seconds(_ key: String, default value: Double) -> Duration {
            .milliseconds(Int64((json[key]?.doubleValue ?? value) * 1000))
        }
        self.init(
            workerID: json["worker_id"]?.stringValue ?? "", workerType: json["worker_type"]?.stringValue ?? "",
            slots: json["slots"]?.intValue ?? 1, taskTypes: json["task_types"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            heartbeatInterval: seconds("heartbeat_interval_s", default: 30), workerTimeout: seconds("worker_timeout_s", default: 90),
            taskTimeout: seconds("task_timeout_s", default: 120)
        )
    }

    public var json: JSONValue {
        [
            "status": "registered", "success": true, "message": "Worker registered successfully",
            "worker_id": .string(workerID), "worker_type": .string(workerType),
            "slots": JSONValue(slots), "task_types": .array(taskTypes.map(JSONValue.string)),
            "heartbeat_interval_s": .number(heartbeatInterval.seconds), "worker_timeout_s": .number(workerTimeout.seconds),
            "task_timeout_s": .number(taskTimeout.seconds),
        ]
    }
}
