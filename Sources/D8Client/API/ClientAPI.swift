import D8Core
import D8Wire

/// The client's side of the protocol: submit, status (with its long-poll), cancel,
/// and the read-only views. Each call blocks the calling thread; `D8Client` runs them off
/// Swift's cooperative pool.
///
/// A call that finds the orchestrator in use down (no answer, 502/503/504) moves to the next
/// of `orchestrators` and is sent there too when that is safe: reads and submits with an
/// idempotency key always; other writes only when no connection was made.
public struct ClientAPI: Sendable {
    public let orchestrators: FailoverEndpoints
    /// Ordinary calls; a long-poll adds its wait to this.
    static let timeout: Duration = .seconds(15)

    public init(endpoint: APIEndpoint) {
        self.init(orchestrators: FailoverEndpoints(endpoint))
    }

    public init(orchestrators: FailoverEndpoints) {
        self.orchestrators = orchestrators
    }

    /// The orchestrator in use.
    public var endpoint: APIEndpoint { orchestrators.inUse.endpoint }

    public func submit(_ body: JSONValue) -> Result<JSONValue, APICallError> {
        call(.submit, body: body, resend: Self.keyed(body) ? .always : .ifNotSent)
    }

    /// `tasks`: submit bodies; one commit for all of them.
    public func submitBatch(_ tasks: [JSONValue]) -> Result<JSONValue, APICallError> {
        call(.submitBatch, body: ["tasks": .array(tasks)], resend: tasks.allSatisfy(Self.keyed) ? .always : .ifNotSent)
    }

    /// The task now, or with `wait` the task once finished, or as it stands when the wait runs out.
    public func status(_ taskID: String, wait: Duration? = nil) -> Result<JSONValue, APICallError> {
        guard let wait else { return call(.status, taskID, resend: .always) }
        return call(.status, taskID, query: "wait=\(wait.seconds)", timeout: wait + Self.timeout, resend: .always)
    }

    public func cancel(_ taskID: String) -> Result<JSONValue, APICallError> {
        call(.cancel, taskID, resend: .ifNotSent)
    }

    /// `body`: `{"name", "tasks": [...], "deadline" | "deadline_in"}`; one commit for all. A
    /// job's tasks take no idempotency key, so it is sent again only when nothing was sent.
    public func submitJob(_ body: JSONValue) -> Result<JSONValue, APICallError> {
        call(.submitJob, body: body, resend: .ifNotSent)
    }

    /// The job now, or with `wait` once every task finished (or as it stands when the wait runs out).
    public func job(_ jobID: String, wait: Duration? = nil, results: Bool = true) -> Result<JSONValue, APICallError> {
        var query = "results=\(results)"
        if let wait { query += "&wait=\(wait.seconds)" }
        return call(.job, jobID, query: query, timeout: (wait ?? .zero) + Self.timeout, resend: .always)
    }

    public func cancelJob(_ jobID: String) -> Result<JSONValue, APICallError> {
        call(.cancelJob, jobID, resend: .ifNotSent)
    }

    public func stats() -> Result<JSONValue, APICallError> {
        call(.stats, resend: .always)
    }

    public func workers() -> Result<JSONValue, APICallError> {
        call(.workers, resend: .always)
    }

    public func queue() -> Result<JSONValue, APICallError> {
        call(.queue, resend: .always)
    }

    private func call(_ route: Route, _ parameters: String..., query: String? = nil, body: JSONValue? = nil,
                      timeout: Duration = Self.timeout, resend: Resend) -> Result<JSONValue, APICallError> {
        let path = route.path(parameters) + (query.map { "?" + $0 } ?? "")
        return orchestrators.call(resend: resend) { $0.endpoint.call(route.method, path, body: body, timeout: timeout) }
    }

    /// A submit with an idempotency key: sent twice, it still makes one task.
    private static func keyed(_ body: JSONValue) -> Bool { body["idempotency_key"]?.stringValue?.isEmpty == false }
}
