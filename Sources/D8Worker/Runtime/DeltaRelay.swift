import D8Client
import D8Core
import D8Wire
import Dispatch
import Synchronization

/// Carries one streamed task's deltas to the orchestrator while the plugin goes on reading
/// its provider: the first delta leaves at once, those emitted while a post is in flight
/// leave together in the next one, and every delta is out before the result is reported.
/// Once the orchestrator refuses (409: the client went away and the task was cancelled), the
/// plugin is told to stop.
final class DeltaRelay: Sendable {
    private let api: WorkerAPI
    private let task: TaskLease
    private let queue = DispatchQueue(label: "d8.worker.deltas")
    private let state = Mutex(State())

    private struct State {
        var waiting: [JSONValue] = []
        var draining = false
        var refused = false
    }

    init(api: WorkerAPI, task: TaskLease) {
        self.api = api
        self.task = task
    }

    /// From the plugin's thread: queues one delta; false once the task is no longer wanted.
    func send(_ delta: JSONValue) -> Bool {
        let (refused, start) = state.withLock { s -> (Bool, Bool) in
            guard !s.refused else { return (true, false) }
            s.waiting.append(delta)
            defer { s.draining = true }
            return (false, !s.draining)
        }
        if start { queue.async { self.drain() } }
        return !refused
    }

    /// Blocks until every queued delta was posted (or refused).
    func flush() { queue.sync {} }

    private func drain() {
        while true {
            let batch = state.withLock { s -> [JSONValue] in
                defer { s.waiting = [] }
                if s.waiting.isEmpty { s.draining = false }
                return s.waiting
            }
            guard !batch.isEmpty else { return }
            if case let .failure(error) = api.relay(batch, of: task), error.status == 409 || error.status == 404 {
                state.withLock { $0.refused = true; $0.waiting = [] }
            }
        }
    }
}
