import D8Core
import D8Store

/// Streamed answers: a worker relays the deltas of a task it holds, and the front door's
/// request for that task hears them as they come (`TaskStream`).
extension Orchestrator {
    /// Deltas from the worker holding the task's current lease; anyone else (a cancelled
    /// task, an expired lease) is refused, which tells the worker to stop.
    func relay(taskID: String, workerID: String, lease: String?, deltas: [JSONValue]) throws(APIError) {
        try core.withLock { core throws(APIError) in
            guard let live = core.scheduler.task(id: taskID), live.record.status == .assigned,
                  live.record.assignedTo == workerID, lease == nil || lease == live.record.lease
            else {
                throw APIError(.staleLease, "worker '\(workerID)' does not hold a current lease on task '\(taskID)': stop streaming it")
            }
            core.stream(for: taskID).send(.deltas(deltas))
        }
    }

    enum Subscription {
        case live(TaskStream)
        /// Finished before the request looked (or not live any more): answer from the record.
        case finished(TaskRecord)
        case stored
    }

    /// The task's stream, made if no delta came yet. A finished task has none.
    func subscribe(taskID: String) -> Subscription {
        core.withLock { core in
            guard let live = core.scheduler.task(id: taskID) else { return .stored }
            if live.record.status.isFinished { return .finished(live.record) }
            return .live(core.stream(for: taskID))
        }
    }

    /// The request left: its stream goes (deltas still relayed start a new one, dropped at the end).
    func leaveStream(taskID: String) {
        let stream = core.withLock { $0.streams.removeValue(forKey: taskID) }
        stream?.close()
    }

    /// After results: a streamed task whose attempt failed and that waits for another one.
    func noteFailedAttempts(_ taskIDs: [String]) {
        core.withLock { core in
            for id in taskIDs {
                guard let stream = core.streams[id], let live = core.scheduler.task(id: id), !live.record.status.isFinished,
                      live.record.status != .assigned else { continue }
                let last = (try? JSONValue.parse(live.record.errors))?.arrayValue?.last?["error"]?.stringValue ?? "the attempt failed"
                stream.send(.attemptFailed(last))
            }
        }
    }
}

extension Orchestrator.Core {
    /// The task's stream, made on first use: deltas that come before the request subscribes wait in it.
    mutating func stream(for taskID: String) -> TaskStream {
        if let stream = streams[taskID] { return stream }
        let stream = TaskStream()
        streams[taskID] = stream
        return stream
    }
}
