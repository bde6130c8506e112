import D8Core
import Synchronization

/// What the orchestrator knows of a registered worker beyond its row in the worker table.
struct WorkerEntry: Sendable {
    let id: String
    /// The worker's number in the CCore worker table.
    let key: UInt64
    let workerType: String
    let typeIndex: Int
    let slots: Int
    /// Task types this worker type may serve, from the routes.
    let taskTypes: [String]
    let capabilities: JSONValue
    let registeredAt: Double
    var lastSeen: Double
    var held: Set<UInt64> = []
    /// Tasks whose lease expired while this worker still runs them (a hung provider call):
    /// their slots stay busy until the late result arrives, or the worker leaves.
    var overdue: Set<UInt64> = []
    var completed = 0
    var failed = 0
}

/// A long-poll waiting for work; woken when a task it may serve arrives, or at its deadline.
final class Waiter: Sendable {
    let workerID: String
    let deadline: ContinuousClock.Instant
    let signal = WakeSignal()

    init(workerID: String, deadline: ContinuousClock.Instant) {
        self.workerID = workerID
        self.deadline = deadline
    }

    func fire() { signal.fire() }
    func sleep() async { await signal.sleep() }
}

/// A client waiting for one task to finish (`GET /api/tasks/status/{id}?wait=`).
final class TaskWatch: Sendable {
    let taskID: String
    let deadline: ContinuousClock.Instant
    let signal = WakeSignal()

    init(taskID: String, deadline: ContinuousClock.Instant) {
        self.taskID = taskID
        self.deadline = deadline
    }
}

/// A one-shot wake-up for one sleeping request: firing before the sleep starts, or twice, is fine.
final class WakeSignal: Sendable {
    private let state = Mutex<(fired: Bool, continuation: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let continuation = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.fired = true
            defer { s.continuation = nil }
            return s.continuation
        }
        continuation?.resume()
    }

    func sleep() async {
        await withCheckedContinuation { continuation in
            let firedAlready = state.withLock { s in
                if !s.fired { s.continuation = continuation }
                return s.fired
            }
            if firedAlready { continuation.resume() }
        }
    }
}
