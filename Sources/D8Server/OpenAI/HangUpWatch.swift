import NIOCore
import Synchronization

/// The front-door tasks each open connection waits for, so that a caller who hangs up before
/// its answer is out can have them cancelled (`Orchestrator.callerHungUp`). Entries live only
/// while their answers are being made.
final class HangUpWatch: Sendable {
    private let connections = Mutex<[ObjectIdentifier: [String: Viewer]]>([:])

    func watch(_ channel: any Channel, taskID: String, viewer: Viewer) {
        connections.withLock { $0[ObjectIdentifier(channel), default: [:]][taskID] = viewer }
    }

    /// The answer went out (or failed for another reason): nothing to cancel for it.
    func done(_ channel: any Channel, taskID: String) {
        connections.withLock { open in
            let key = ObjectIdentifier(channel)
            open[key]?[taskID] = nil
            if open[key]?.isEmpty == true { open[key] = nil }
        }
    }

    /// The tasks the connection was still waiting for, which it no longer is.
    func takeWaiting(_ channel: any Channel) -> [String: Viewer] {
        connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) } ?? [:]
    }
}

extension Orchestrator {
    /// A caller hung up: its unanswered front-door tasks are cancelled at once, queued or
    /// running (the worker hears it at its next delta).
    func callerHungUp(_ channel: any Channel) {
        for (taskID, viewer) in hangUps.takeWaiting(channel) {
            Task { _ = try? await cancel(taskID: taskID, by: viewer) }
        }
    }
}
