import D8Store
import Synchronization

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

/// A client waiting for one task to finish: woken with the finished record, or empty-handed at
/// its deadline or at shutdown.
final class TaskWatch: Sendable {
    let taskID: String
    let deadline: Double
    let signal = WakeSignal()
    private let outcome = Mutex<TaskRecord?>(nil)

    init(taskID: String, deadline: Double) {
        self.taskID = taskID
        self.deadline = deadline
    }

    func finish(_ record: TaskRecord) {
        outcome.withLock { $0 = record }
        signal.fire()
    }

    var finished: TaskRecord? { outcome.withLock { $0 } }
}
