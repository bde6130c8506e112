/// Whether a request that failed because the orchestrator in use is down may be sent again,
/// at once, to the next one of the list.
package enum Resend: Sendable {
    /// The caller has a retry of its own (the worker's loops and result reporter): the next
    /// orchestrator is used from its next attempt on.
    case never
    /// Not idempotent (a submit without an idempotency key, a cancel): only when no connection
    /// was made, so the orchestrator in use cannot have seen it.
    case ifNotSent
    /// Safe to repeat (a GET, a submit with an idempotency key).
    case always

    func allows(_ error: APICallError) -> Bool {
        switch self {
        case .never: false
        case .ifNotSent: if case let .unreachable(_, _, sent) = error { !sent } else { false }
        case .always: true
        }
    }
}

extension APICallError {
    /// The orchestrator itself is gone or failing (no answer, or a proxy's or a stopping
    /// server's 502/503/504), so another node may do better; any other answer would be the
    /// same from every node.
    public var meansOrchestratorDown: Bool {
        switch self {
        case .unreachable: true
        case let .rejected(status, _, _): [502, 503, 504].contains(status)
        }
    }
}
