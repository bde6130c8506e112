import NIOCore
import Synchronization

/// The front-door tasks each open connection waits for. A caller that hangs up before its
/// answer is out cancels them at once, queued or running (the worker hears it at its next
/// delta): `HangUpDetector` reports the hang-up as it happens, not at the next write, so a
/// queued task never starts. Entries live only while their answers are being made.
final class HangUpWatch: Sendable {
    private struct Waiting: Sendable {
        var tasks: [String: Viewer] = [:]
    }

    private let connections = Mutex<[ObjectIdentifier: Waiting]>([:])
    /// Cancels a task for a caller that left; set once the orchestrator exists.
    private let cancel = Mutex<(@Sendable (String, Viewer) -> Void)?>(nil)

    func onHangUp(_ cancel: @escaping @Sendable (String, Viewer) -> Void) { self.cancel.withLock { $0 = cancel } }

    func watch(_ channel: any Channel, taskID: String, viewer: Viewer) {
        connections.withLock { $0[ObjectIdentifier(channel), default: Waiting()].tasks[taskID] = viewer }
    }

    /// The answer went out (or failed for another reason): nothing to cancel for it.
    func done(_ channel: any Channel, taskID: String) {
        connections.withLock { open in
            let key = ObjectIdentifier(channel)
            open[key]?.tasks[taskID] = nil
            if open[key]?.tasks.isEmpty == true { open[key] = nil }
        }
    }

    func hungUp(_ channel: any Channel) {
        guard let left = connections.withLock({ $0.removeValue(forKey: ObjectIdentifier(channel)) }),
              let cancel = cancel.withLock({ $0 }) else { return }
        for (taskID, viewer) in left.tasks { cancel(taskID, viewer) }
    }
}
