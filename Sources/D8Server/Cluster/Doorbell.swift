import Synchronization

/// Rings coalesce: the one waiter (a cluster node's feeder) wakes once for any number of rings
/// since it last woke, or when its timeout passes.
final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Which wait a timer belongs to: a timer of an earlier wait wakes nothing.
        var wait: UInt64 = 0
    }

    private let state = Mutex(State())

    func ring() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next ring (or at once for one since the last wait), or after `timeout`.
    func wait(timeout: Duration) async {
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state -> UInt64? in
                if state.rung {
                    state.rung = false
                    return nil
                }
                state.wait += 1
                state.waiter = continuation
                return state.wait
            }
            guard let wait else { return continuation.resume() }
            Task {
                try? await Task.sleep(for: timeout)
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard state.wait == wait, let waiter = state.waiter else { return nil }
                    state.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }
    }
}
