import D8Core
import D8Store

extension Orchestrator {
    /// The task once it is finished, or as it stands when `wait` runs out (or at shutdown):
    /// what lets a client wait for a result without polling.
    func waitUntilFinished(_ taskID: String, wait: Duration) async throws(APIError) -> TaskRecord {
        let deadline = ContinuousClock.now + wait
        while true {
            // Watch first, then read: a finish in between still fires the watch.
            let watch = TaskWatch(taskID: taskID, deadline: deadline)
            let stopping = state.withLock { state in
                state.watches.append(watch)
                return state.shuttingDown
            }
            defer { state.withLock { state in state.watches.removeAll { $0 === watch } } }
            let record = try task(taskID)
            if record.status.isFinished || stopping || ContinuousClock.now >= deadline { return record }
            await watch.signal.sleep()
        }
    }
}
