import Synchronization

/// The orchestrators a client or worker may talk to, in the order given, one in use at a time.
/// When the one in use stops answering, the caller moves on to the next (round robin,
/// wrapping) and stays there until that one fails in turn. With one URL nothing ever moves,
/// which is d8's behaviour with a single orchestrator.
public final class FailoverEndpoints: Sendable {
    public let endpoints: [APIEndpoint]
    /// Switches so far: the one in use is `endpoints[switches % endpoints.count]`.
    private let switches = Mutex(0)
    private let onSwitch: (@Sendable (OrchestratorSwitch) -> Void)?

    /// The orchestrator in use and how many switches led to it: a request that fails moves on
    /// only from the one it was sent to, so threads that saw the same node fail move once.
    public struct InUse: Sendable, Equatable {
        public let endpoint: APIEndpoint
        public let switches: Int

        /// Within one list the count of switches says which node it is, and when it was chosen.
        public static func == (a: InUse, b: InUse) -> Bool { a.switches == b.switches }
    }

    /// `urls` as `OrchestratorList.check` takes them; `onSwitch` hears every move (a worker logs it).
    public convenience init(urls: [String], token: String?, onSwitch: (@Sendable (OrchestratorSwitch) -> Void)? = nil) throws(OrchestratorListError) {
        self.init(try OrchestratorList.check(urls).map { APIEndpoint(baseURL: $0, token: token) }, onSwitch: onSwitch)
    }

    /// One orchestrator, which is never left.
    public convenience init(_ endpoint: APIEndpoint) {
        self.init([endpoint], onSwitch: nil)
    }

    private init(_ endpoints: [APIEndpoint], onSwitch: (@Sendable (OrchestratorSwitch) -> Void)?) {
        precondition(!endpoints.isEmpty, "checked by OrchestratorList")
        self.endpoints = endpoints
        self.onSwitch = onSwitch
    }

    public var inUse: InUse {
        let count = switches.withLock { $0 }
        return InUse(endpoint: endpoints[count % endpoints.count], switches: count)
    }

    /// `failed` (the one a request was sent to) stopped answering: use the next one, unless
    /// another request has moved on from it already. The switch, when this call made one.
    @discardableResult
    public func moveOn(from failed: InUse, because error: APICallError) -> OrchestratorSwitch? {
        guard endpoints.count > 1 else { return nil }
        let moved = switches.withLock { count -> Bool in
            guard count == failed.switches else { return false }
            count += 1
            return true
        }
        guard moved else { return nil }
        let change = OrchestratorSwitch(from: failed.endpoint.baseURL, to: endpoints[(failed.switches + 1) % endpoints.count].baseURL, error: error)
        onSwitch?(change)
        return change
    }

    /// Sends `request` to the orchestrator in use. When that one is down, the next is used from
    /// then on, and the request goes to it at once if `resend` allows, each node at most once.
    package func call<T>(resend: Resend, _ request: (InUse) -> Result<T, APICallError>) -> Result<T, APICallError> {
        var tried = 0
        while true {
            let used = inUse
            let outcome = request(used)
            guard case let .failure(error) = outcome, error.meansOrchestratorDown else { return outcome }
            moveOn(from: used, because: error)
            tried += 1
            guard tried < endpoints.count, resend.allows(error) else { return outcome }
        }
    }
}

/// A move from one orchestrator to the next, and the failure that caused it.
public struct OrchestratorSwitch: Sendable, CustomStringConvertible {
    public let from: String
    public let to: String
    public let error: APICallError

    public var description: String { "the orchestrator at \(from) stopped answering (\(error)); switching to \(to)" }
}
