/// Why a call of `D8Client` did not give what was asked, in words a person understands.
public enum D8ClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No HTTP answer: the orchestrator is down, restarting or unreachable (the only case in which
    /// a local fallback runs).
    case unreachable(url: String, reason: String)
    /// The orchestrator answered with an error status, with its `{"error","code"}` when it sent one.
    case rejected(status: Int, code: String?, message: String)
    /// The task was not finished when the wait ran out; `last` is how it stood then.
    case timedOut(taskID: String, last: TaskStatus)
    /// The job had unfinished tasks when the wait ran out; `last` is how it stood then.
    case jobTimedOut(jobID: String, last: JobStatus)
    /// A 2xx answer without what the protocol promises (say, a submit answer without `task_id`).
    case invalidAnswer(String)
    /// The orchestrator was unreachable and the local fallback failed too.
    case fallbackFailed(String)

    public var description: String {
        switch self {
        case let .unreachable(url, reason): "cannot reach the orchestrator at \(url): \(reason)"
        case let .rejected(status, _, message): "the orchestrator answered \(status): \(message)"
        case let .timedOut(taskID, last): "task \(taskID) is still \(last.status) (attempt \(last.attempt)) after the wait ran out"
        case let .jobTimedOut(jobID, last): "job \(jobID) has \(last.finished) of \(last.total) tasks finished after the wait ran out"
        case let .invalidAnswer(reason): "the orchestrator's answer is not what d8 expects: \(reason)"
        case let .fallbackFailed(reason): "the orchestrator is unreachable and the local fallback failed: \(reason)"
        }
    }

    init(_ error: APICallError) {
        switch error {
        case let .unreachable(url, reason, _): self = .unreachable(url: url, reason: reason)
        case let .rejected(status, code, message): self = .rejected(status: status, code: code, message: message)
        }
    }
}
