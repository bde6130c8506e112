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
    /// An orchestrator that ignores `max` (D8's) answers one task as `task`.
    public func poll(max: Int, wait: Duration) -> Result<[TaskLease], APICallError> {
        endpoint.call(.lease, workerID, query: "wait=\(wait.seconds)&max=\(max)", timeout: wait + Self.timeout).flatMap { answer in
            let tasks = answer["tasks"]?.arrayValue ?? (answer["task"].map { $0 == .null ? [] : [$0] } ?? [])
            return Self.read(tasks, "the orchestrator handed out a task this worker cannot read", TaskLease.init(json:))
        }
    }

    public func heartbeat() -> Result<Void, APICallError> {
        endpoint.call(.heartbeat, workerID, timeout: Self.timeout).map { _ in }
    }

    /// A task's result as this worker reports it: with the lease the task was handed out with.
    public func result(for task: TaskLease, _ result: JSONValue) -> ResultReport {
        ResultReport(taskID: task.taskID, workerID: workerID, lease: task.lease, result: result)
    }

    /// Reports one result (`POST /api/tasks/{id}/result`, which every orchestrator has).
    public func report(_ report: ResultReport) -> Result<Void, APICallError> {
        endpoint.call(.result, report.taskID, body: report.json, timeout: Self.timeout).map { _ in }
    }

    /// Reports several results in one request (`POST /api/workers/{id}/results`): an outcome for
    /// each, in the order given. D8's orchestrators lack this endpoint and answer 404 or 405.
    public func report(_ reports: [ResultReport]) -> Result<[ResultOutcome], APICallError> {
        let body: JSONValue = ["results": .array(reports.map(\.json))]
        return endpoint.call(.results, workerID, body: body, timeout: Self.timeout).flatMap { answer in
            Self.read(answer["results"]?.arrayValue ?? [], "an answer to a batch of results this worker cannot read", ResultOutcome.init(json:))
        }
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

    /// Leaves the pool; the orchestrator puts back whatever this worker still holds.
    public func unregister() -> Result<Void, APICallError> {
        endpoint.call(.unregister, workerID, timeout: Self.timeout).map { _ in }
    }
}

extension WorkerAPI {
    /// Relays a streamed task's deltas (`POST /api/tasks/{id}/deltas`). A 409 means the task is
    /// no longer this worker's to stream: it was cancelled, or its lease moved on.
    public func relay(_ deltas: [JSONValue], of task: TaskLease) -> Result<Void, APICallError> {
        let body: JSONValue = ["worker_id": .string(workerID), "lease": JSONValue(task.lease), "deltas": .array(deltas)]
        return endpoint.call(.deltas, task.taskID, body: body, timeout: Self.timeout).map { _ in }
    }
}
