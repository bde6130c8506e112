import D8Core
import D8Wire

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

    /// What the orchestrator told a worker when it registered.
    public typealias Registration = RegistrationAnswer

    public func register(workerType: String, capabilities: JSONValue) -> Result<Registration, APICallError> {
        let registration = WorkerRegistration(workerID: workerID, workerType: workerType, capabilities: capabilities)
        return endpoint.call(.register, body: registration.json, timeout: Self.timeout).map(RegistrationAnswer.init(json:))
    }

    /// Up to `max` leased tasks, waiting up to `wait` for the first one; empty when none came.
    public func poll(max: Int, wait: Duration) -> Result<[JSONValue], APICallError> {
        endpoint.call(.lease, workerID, query: "wait=\(wait.seconds)&max=\(max)", timeout: wait + Self.timeout).map { answer in
            answer["tasks"]?.arrayValue ?? (answer["task"].map { $0 == .null ? [] : [$0] } ?? [])
        }
    }

    public func heartbeat() -> Result<Void, APICallError> {
        endpoint.call(.heartbeat, workerID, timeout: Self.timeout).map { _ in }
    }

    /// Reports a task's result with the lease it was handed out with.
    public func report(taskID: String, lease: String?, result: JSONValue) -> Result<Void, APICallError> {
        let report = ResultReport(taskID: taskID, workerID: workerID, lease: lease, result: result)
        return endpoint.call(.result, taskID, body: report.json, timeout: Self.timeout).map { _ in }
    }

    /// Leaves the pool; the orchestrator puts back whatever this worker still holds.
    public func unregister() -> Result<Void, APICallError> {
        endpoint.call(.unregister, workerID, timeout: Self.timeout).map { _ in }
    }
}
