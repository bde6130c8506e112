/// Reads one provider's streamed answer: fed the 2xx body in pieces split anywhere, it returns
/// the deltas each piece completes; at the end of the body it gives the completion.
public protocol ChatStreamParser {
    /// The deltas these bytes complete. Reading stops at the first problem (see `problem`).
    mutating func feed(_ bytes: [UInt8]) -> [ChatDelta]
    /// The body ended: the completion, or why there is none (`.cut` names what never came).
    mutating func finish() -> Result<Completion, StreamProblem>
    /// An error event, or an event that is not what the provider documents.
    var problem: StreamProblem? { get }
    /// What has come so far (for the usage of a stream that ends early).
    var sofar: StreamAccumulator { get }
}

/// Why a streamed answer did not complete.
public enum StreamProblem: Error, Equatable {
    /// The stream ended before its terminal event (worth another try).
    case cut(String)
    /// The provider sent an error event mid-stream: retryable (overloaded, rate limit) or not,
    /// with the provider's message.
    case providerError(retryable: Bool, message: String)
    /// An event that is not what the provider documents (worth another try).
    case malformed(String)
}

/// A parser that reads one framed event at a time: the loop that stops at the first problem.
public protocol EventStreamParser: ChatStreamParser {
    associatedtype Event
    var problem: StreamProblem? { get set }
    mutating func take(_ event: Event) throws(StreamProblem) -> [ChatDelta]
}

extension EventStreamParser {
    public mutating func handle(_ events: [Event]) -> [ChatDelta] {
        var deltas: [ChatDelta] = []
        for event in events where problem == nil {
            do throws(StreamProblem) {
                deltas += try take(event)
            } catch {
                problem = error
            }
        }
        return deltas
    }

    /// The completion if `complete`, else the problem seen or the cut naming `missing`.
    public func ending(complete: Bool, missing: String) -> Result<Completion, StreamProblem> {
        if let problem { return .failure(problem) }
        return complete ? .success(sofar.completion) : .failure(.cut("the stream ended before \(missing)"))
    }
}
