import D8Core

/// The worker's side of the protocol: register, long-poll, heartbeat, report,
/// unregister. Each call blocks the calling thread; the worker runs them on its own threads.
public struct WorkerAPI: Sendable {
    public let endpoint: APIEndpoint
    public let workerID: String
    /// Ordinary calls; a long-poll adds its wait to this.
    static let timeout: Duration = .seconds(15)

    public init(endpoint: APIEndpoint, workerID: String) {
        self.endpoint = endpoint
        self.workerID = workerID
    }

    private var workerPath: String { "/api/workers/\(workerID.pathEscaped)" }

    /// What the orchestrator told a worker when it registered.
    public struct Registration: Sendable {
        public let slots: Int
        public let taskTypes: [String]
        public let heartbeatInterval: Duration
        public let taskTimeout: Duration
    }

    public func register(workerType: String, capabilities: JSONValue) -> Result<Registration, APICallError> {
        let body: JSONValue = ["worker_id": .string(workerID), "worker_type": .string(workerType), "capabilities": capabilities]
        return endpoint.call("POST", "/api/workers/register", body: body, timeout: Self.timeout).map { answer in
            Registration(
                slots: answer["slots"]?.intValue ?? 1,
                taskTypes: answer["task_types"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                heartbeatInterval: .milliseconds(Int64((answer["heartbeat_interval_s"]?.doubleValue ?? 30) * 1000)),
                taskTimeout: .milliseconds(Int64((answer["task_timeout_s"]?.doubleValue ?? 120) * 1000))
            )
        }
    }

    /// Up to `max` leased tasks, waiting up to `wait` for the first one; empty when none came.
    public func poll(max: Int, wait: Duration) -> Result<[JSONValue], APICallError> {
        let path = "\(workerPath)/tasks?wait=\(wait.seconds)&max=\(max)"
        return endpoint.call("GET", path, timeout: wait + Self.timeout).map { answer in
            answer["tasks"]?.arrayValue ?? (answer["task"].map { $0 == .null ? [] : [$0] } ?? [])
        }
    }

    public func heartbeat() -> Result<Void, APICallError> {
        endpoint.call("POST", "\(workerPath)/heartbeat", timeout: Self.timeout).map { _ in }
    }

    /// Reports a task's result with the lease it was handed out with.
    public func report(taskID: String, lease: String?, result: JSONValue) -> Result<Void, APICallError> {
        var body: [String: JSONValue] = ["worker_id": .string(workerID), "result": result]
        if let lease { body["lease"] = .string(lease) }
        return endpoint.call("POST", "/api/tasks/\(taskID.pathEscaped)/result", body: .object(body), timeout: Self.timeout).map { _ in }
    }

    /// Leaves the pool; the orchestrator puts back whatever this worker still holds.
    public func unregister() -> Result<Void, APICallError> {
        endpoint.call("POST", "\(workerPath)/unregister", timeout: Self.timeout).map { _ in }
    }
}
