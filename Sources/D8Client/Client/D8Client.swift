import D8Core
import Foundation

/// The client of an orchestrator (or of several, used in turn), for programs that submit tasks
/// and wait for their results. Each call runs the blocking libcurl transport on NIO's shared
/// pool for blocking work (`NIOThreadPool.singleton`), never on the cooperative pool, so a
/// long-poll does not starve the caller's other tasks.
public struct D8Client: Sendable {
    public let api: ClientAPI
    private let fallback: LocalFallback?

    /// A long-poll never asks for more than this, so proxies and the server's own cap stay out of the way.
    static let longestPoll: Duration = .seconds(30)
    /// With a progress callback: how often it hears how the task stands.
    static let progressPoll: Duration = .seconds(2)

    /// `orchestrator` like "http://127.0.0.1:7001"; `key` is the client key sent as a bearer
    /// token; `fallback` runs tasks that `submitAndWait` cannot submit because the orchestrator
    /// is unreachable.
    public init(orchestrator: String, key: String? = nil, fallback: LocalFallback? = nil) {
        api = ClientAPI(endpoint: APIEndpoint(baseURL: orchestrator, token: key))
        self.fallback = fallback
    }

    /// Several orchestrators (nodes sharing one database), tried in turn: a request that cannot
    /// reach the one in use, or gets 502/503/504 from it, goes to the next when repeating it is
    /// safe (reads, submits with an idempotency key; other writes only when nothing was sent),
    /// and later requests start from the one that answered. An empty list or a malformed URL
    /// is an error naming it.
    public init(orchestrators: [String], key: String? = nil, fallback: LocalFallback? = nil) throws(OrchestratorListError) {
        api = ClientAPI(orchestrators: try FailoverEndpoints(urls: orchestrators, token: key))
        self.fallback = fallback
    }

    /// A client over `api` as it is (its orchestrators and key).
    public init(api: ClientAPI, fallback: LocalFallback? = nil) {
        self.api = api
        self.fallback = fallback
    }

    /// The orchestrator in use.
    public var orchestratorURL: String { api.endpoint.baseURL }

    public func submit(_ task: TaskSubmission) async throws(D8ClientError) -> SubmittedTask {
        let body = task.json
        return try SubmittedTask(try await call { $0.submit(body) })
    }

    /// Submits every task in one request (one commit); their ids in the same order.
    public func submit(batch tasks: [TaskSubmission]) async throws(D8ClientError) -> [String] {
        let bodies = tasks.map(\.json)
        let answer = try await call { $0.submitBatch(bodies) }
        guard let ids = answer["task_ids"]?.arrayValue?.compactMap(\.stringValue), ids.count == tasks.count else {
            throw .invalidAnswer("the batch answer does not list \(tasks.count) task ids: \(answer.jsonString.prefix(200))")
        }
        return ids
    }

    public func status(_ id: String) async throws(D8ClientError) -> TaskStatus {
        try TaskStatus(answer: try await call { $0.status(id) })
    }

    /// Waits until the task is finished (completed, failed, dead or cancelled) with the
    /// orchestrator's long-poll: each request returns as soon as the task finishes. Throws
    /// `.timedOut` with the last status when `timeout` passes first. `progress` hears the status
    /// after every poll; polls then last at most 2 s so it stays current.
    public func wait(
        for id: String, timeout: Duration, progress: (@Sendable (TaskStatus) -> Void)? = nil
    ) async throws(D8ClientError) -> TaskStatus {
        let deadline = ContinuousClock.now + timeout
        let longest = progress == nil ? Self.longestPoll : Self.progressPoll
        while true {
            let slice = max(.zero, min(deadline - .now, longest))
            let status = try TaskStatus(answer: try await call { $0.status(id, wait: slice) })
            progress?(status)
            if status.status.isFinished { return status }
            if ContinuousClock.now >= deadline { throw .timedOut(taskID: id, last: status) }
        }
    }

    /// Cancels a pending or running task; a finished one stays as it is. Its status after.
    public func cancel(_ id: String) async throws(D8ClientError) -> TaskStatus {
        try TaskStatus(answer: try await call { $0.cancel(id) })
    }

    /// `/api/stats`: workers, task counts, per task type and per worker type, costs.
    public func stats() async throws(D8ClientError) -> JSONValue {
        try await call { $0.stats() }
    }

    /// `/api/workers/list`: `{"workers": [...], "total"}`.
    public func workers() async throws(D8ClientError) -> JSONValue {
        try await call { $0.workers() }
    }

    /// `/api/tasks/queue`: pending tasks in dispatch order, and counts per type.
    public func queue() async throws(D8ClientError) -> JSONValue {
        try await call { $0.queue() }
    }

    /// Submits and waits for the task to finish. When the orchestrator cannot be reached to
    /// submit, the local fallback (if any) runs the task and its result comes back marked
    /// `isLocal`. Only then: a refusal is the caller's to see, and a task once accepted is on
    /// the orchestrator's disk and will run there, so running it here too would do it twice.
    public func submitAndWait(_ task: TaskSubmission, timeout: Duration) async throws(D8ClientError) -> TaskStatus {
        let submitted: SubmittedTask
        do throws(D8ClientError) {
            submitted = try await submit(task)
        } catch {
            guard case .unreachable = error, let fallback else { throw error }
            return try await Self.runLocally(task, with: fallback)
        }
        return try await wait(for: submitted.id, timeout: timeout)
    }

    private static func runLocally(_ task: TaskSubmission, with fallback: LocalFallback) async throws(D8ClientError) -> TaskStatus {
        do {
            let result = try await fallback(task)
            return .local(task, id: "local-\(UUID().uuidString.lowercased())", result: result, at: Date().timeIntervalSince1970)
        } catch {
            throw .fallbackFailed("\(error)")
        }
    }

    func call(_ request: @escaping @Sendable (ClientAPI) -> Result<JSONValue, APICallError>) async throws(D8ClientError) -> JSONValue {
        let api = self.api
        let outcome: Result<JSONValue, APICallError>
        do {
            outcome = try await offThePool { request(api) }
        } catch {
            // Only a pool that was shut down refuses work, and NIO never shuts its singleton down.
            throw .unreachable(url: api.endpoint.baseURL, reason: "no thread to send the request on: \(error)")
        }
        switch outcome {
        case let .success(answer): return answer
        case let .failure(error): throw D8ClientError(error)
        }
    }
}
