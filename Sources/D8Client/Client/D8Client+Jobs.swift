import D8Core
import D8Wire

/// Jobs: many tasks under one id, waited for and cancelled as one.
extension D8Client {
    /// Submits the tasks as one job (all or none, one commit). `deadline` applies to every task
    /// that has no sooner one of its own.
    public func submitJob(_ tasks: [TaskSubmission], name: String? = nil, deadline: Deadline? = nil) async throws(D8ClientError) -> JobStatus {
        var body: [String: JSONValue] = ["tasks": .array(tasks.map(\.json))]
        if let name { body["name"] = .string(name) }
        switch deadline {
        case let .at(time)?: body["deadline"] = .number(time)
        case let .in(seconds)?: body["deadline_in"] = .number(seconds)
        case nil: break
        }
        let request = JSONValue.object(body)
        return try Self.job(try await call { $0.submitJob(request) })
    }

    /// The job as it stands; `results: false` leaves each task's outcome out.
    public func job(_ id: String, results: Bool = true) async throws(D8ClientError) -> JobStatus {
        try Self.job(try await call { $0.job(id, results: results) })
    }

    /// Waits until every task of the job has finished, with the orchestrator's long-poll; throws
    /// `.timedOut` when `timeout` passes first. `progress` hears the job (without results)
    /// after every poll, at most 2 s apart, so a progress bar stays current.
    public func waitJob(_ id: String, timeout: Duration, progress: (@Sendable (JobStatus) -> Void)? = nil) async throws(D8ClientError) -> JobStatus {
        let deadline = ContinuousClock.now + timeout
        let longest = progress == nil ? Self.longestPoll : Self.progressPoll
        while true {
            let slice = max(.zero, min(deadline - .now, longest))
            let job = try Self.job(try await call { $0.job(id, wait: slice, results: progress == nil) })
            progress?(job)
            if job.isDone { return progress == nil ? job : try await self.job(id) }
            if ContinuousClock.now >= deadline { throw .jobTimedOut(jobID: id, last: job) }
        }
    }

    /// Cancels every task of the job that has not finished; the job after.
    public func cancelJob(_ id: String) async throws(D8ClientError) -> JobStatus {
        try Self.job(try await call { $0.cancelJob(id) })
    }

    private static func job(_ answer: JSONValue) throws(D8ClientError) -> JobStatus {
        do throws(WireError) {
            return try JobStatus(json: answer)
        } catch {
            throw .invalidAnswer(error.message)
        }
    }
}
