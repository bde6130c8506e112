import D8Core
import D8Wire

/// The client's side of the protocol: submit, status (with its long-poll), cancel,
/// and the read-only views. Each call blocks the calling thread; `D8Client` runs them off
/// Swift's cooperative pool.
public struct ClientAPI: Sendable {
    public let endpoint: APIEndpoint
    /// Ordinary calls; a long-poll adds its wait to this.
    static let timeout: Duration = .seconds(15)

    public init(endpoint: APIEndpoint) {
        self.endpoint = endpoint
    }

    public func submit(_ body: JSONValue) -> Result<JSONValue, APICallError> {
        endpoint.call(.submit, body: body, timeout: Self.timeout)
    }

    /// `tasks`: submit bodies; one commit for all of them.
    public func submitBatch(_ tasks: [JSONValue]) -> Result<JSONValue, APICallError> {
        endpoint.call(.submitBatch, body: ["tasks": .array(tasks)], timeout: Self.timeout)
    }

    /// The task now, or with `wait` the task once finished, or as it stands when the wait runs out.
    public func status(_ taskID: String, wait: Duration? = nil) -> Result<JSONValue, APICallError> {
        guard let wait else { return endpoint.call(.status, taskID, timeout: Self.timeout) }
        return endpoint.call(.status, taskID, query: "wait=\(wait.seconds)", timeout: wait + Self.timeout)
    }

    public func cancel(_ taskID: String) -> Result<JSONValue, APICallError> {
        endpoint.call(.cancel, taskID, timeout: Self.timeout)
    }

    /// `body`: `{"name", "tasks": [...], "deadline" | "deadline_in"}`; one commit for all.
    public func submitJob(_ body: JSONValue) -> Result<JSONValue, APICallError> {
        endpoint.call(.submitJob, body: body, timeout: Self.timeout)
    }

    /// The job now, or with `wait` once every task finished (or as it stands when the wait runs out).
    public func job(_ jobID: String, wait: Duration? = nil, results: Bool = true) -> Result<JSONValue, APICallError> {
        var query = "results=\(results)"
        if let wait { query += "&wait=\(wait.seconds)" }
        return endpoint.call(.job, jobID, query: query, timeout: (wait ?? .zero) + Self.timeout)
    }

    public func cancelJob(_ jobID: String) -> Result<JSONValue, APICallError> {
        endpoint.call(.cancelJob, jobID, timeout: Self.timeout)
    }

    public func stats() -> Result<JSONValue, APICallError> {
        endpoint.call(.stats, timeout: Self.timeout)
    }

    public func workers() -> Result<JSONValue, APICallError> {
        endpoint.call(.workers, timeout: Self.timeout)
    }

    public func queue() -> Result<JSONValue, APICallError> {
        endpoint.call(.queue, timeout: Self.timeout)
    }
}
