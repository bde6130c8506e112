import D8Core
import D8Store

/// What a streamed request hears about its task while it waits: the answer's deltas as the
/// worker relays them, a failed attempt (the task goes on, on another worker type), the end,
/// and the request's own clock (keep-alive, timeout).
enum StreamEvent: Sendable {
    case deltas([JSONValue])
    case attemptFailed(String)
    case finished(TaskRecord)
    /// A cluster node let go of the task (no worker here took it): it runs at another node, and
    /// the request follows it in the database; its answer then comes whole.
    case movedAway
    case keepalive
    case timedOut
}

/// One task's stream of events. Deltas that arrive before the request subscribes are kept in
/// the stream's buffer; the hub drops the stream when the task finishes or the request leaves.
final class TaskStream: Sendable {
    let events: AsyncStream<StreamEvent>
    private let continuation: AsyncStream<StreamEvent>.Continuation

    init() {
        (events, continuation) = AsyncStream.makeStream(of: StreamEvent.self)
    }

    func send(_ event: StreamEvent) { continuation.yield(event) }

    func finish(_ record: TaskRecord) {
        continuation.yield(.finished(record))
        continuation.finish()
    }

    func close() { continuation.finish() }
}
