import D8Core
import D8Wire

/// The worker's side of the protocol: register, long-poll, heartbeat, report,
/// unregister. Each call blocks the calling thread; the worker runs them on its own threads.
///
/// Every call goes to the orchestrator in use of `orchestrators`. One that finds it down
/// (no answer, 502/503/504) moves the worker to the next and fails as before: the worker's own
/// retries (its loops' backoff, the result reporter) then reach the next one, and a
/// registration made on another node than the one in use is made again.
public struct WorkerAPI: Sendable {
    public let orchestrators: FailoverEndpoints
    public let workerID: String
    /// Ordinary calls; a long-poll adds its wait to this.
    static let timeout: Duration = .seconds(15)

    public init(endpoint: APIEndpoint, workerID: String) {
        self.init(orchestrators: FailoverEndpoints(endpoint), workerID: workerID)
    }

    public init(orchestrators: FailoverEndpoints, workerID: String) {
        self.orchestrators = orchestrators
        self.workerID = workerID
    }

    /// The orchestrator in use.
    public var endpoint: APIEndpoint { orchestrators.inUse.endpoint }

    /// What the orchestrator told a worker when it registered, and which one of the list it was.
    public struct Registration: Sendable {
        public let answer: RegistrationAnswer
        public let orchestrator: FailoverEndpoints.InUse
    }

    public func register(workerType: String, capabilities: JSONValue) -> Result<Registration, APICallError> {
        let registration = WorkerRegistration(workerID: workerID, workerType: workerType, capabilities: capabilities)
        return orchestrators.call(resend: .never) { used in
            used.endpoint.call(.register, body: registration.json, timeout: Self.timeout).map {
                Registration(answer: RegistrationAnswer(json: $0), orchestrator: used)
            }
        }
    }

    /// Up to `max` leased tasks, waiting up to `wait` for the first one; empty when none came.
    /// An orchestrator that ignores `max` (D8's) answers one task as `task`.
    public func poll(max: Int, wait: Duration) -> Result<[TaskLease], APICallError> {
        call(.lease, workerID, query: "wait=\(wait.seconds)&max=\(max)", timeout: wait + Self.timeout).flatMap { answer in
            let tasks = answer["tasks"]?.arrayValue ?? (answer["task"].map { $0 == .null ? [] : [$0] } ?? [])
            return Self.read(tasks, "the orchestrator handed out a task this worker cannot read", TaskLease.init(json:))
        }
    }

    public func heartbeat() -> Result<Void, APICallError> {
        call(.heartbeat, workerID).map { _ in }
    }

    /// A task's result as this worker reports it: with the lease the task was handed out with.
    public func result(for task: TaskLease, _ result: JSONValue) -> ResultReport {
        ResultReport(taskID: task.taskID, workerID: workerID, lease: task.lease, result: result)
    }

    /// Reports one result (`POST /api/tasks/{id}/result`, which every orchestrator has).
    public func report(_ report: ResultReport) -> Result<Void, APICallError> {
        call(.result, report.taskID, body: report.json).map { _ in }
    }

    /// Reports several results in one request (`POST /api/workers/{id}/results`): an outcome for
    /// each, in the order given. D8's orchestrators lack this endpoint and answer 404 or 405.
    public func report(_ reports: [ResultReport]) -> Result<[ResultOutcome], APICallError> {
        let body: JSONValue = ["results": .array(reports.map(\.json))]
        return call(.results, workerID, body: body).flatMap { answer in
            Self.read(answer["results"]?.arrayValue ?? [], "an answer to a batch of results this worker cannot read", ResultOutcome.init(json:))
        }
    }

    /// Leaves the pool; the orchestrator puts back whatever this worker still holds.
    public func unregister() -> Result<Void, APICallError> {
        call(.unregister, workerID).map { _ in }
    }

    /// One call to the orchestrator in use, moving on to the next when it is down.
    private func call(_ route: Route, _ parameter: String, query: String? = nil, body: JSONValue? = nil, timeout: Duration = Self.timeout,
                      resend: Resend = .never) -> Result<JSONValue, APICallError> {
        orchestrators.call(resend: resend) { $0.endpoint.call(route, parameter, query: query, body: body, timeout: timeout) }
    }

    /// Each element of an answer's list as a wire body; one this worker cannot read fails the
    /// call with `problem` and the reason.
    private static func read<T>(_ items: [JSONValue], _ problem: String, _ make: (JSONValue) throws(WireError) -> T) -> Result<[T], APICallError> {
        do throws(WireError) {
            return .success(try items.map { item throws(WireError) in try make(item) })
        } catch {
            return .failure(.rejected(status: 200, code: error.code.rawValue, message: "\(problem): \(error.message)"))
        }
    }
}

extension WorkerAPI {
    /// Relays a streamed task's deltas (`POST /api/tasks/{id}/deltas`). A 409 means the task is
    /// no longer this worker's to stream: it was cancelled, or its lease moved on. Deltas have
    /// no retry of their own, so when the orchestrator in use is found down before anything was
    /// sent they go to the next one at once.
    public func relay(_ deltas: [JSONValue], of task: TaskLease) -> Result<Void, APICallError> {
        let body: JSONValue = ["worker_id": .string(workerID), "lease": JSONValue(task.lease), "deltas": .array(deltas)]
        return call(.deltas, task.taskID, body: body, resend: .ifNotSent).map { _ in }
    }
}
