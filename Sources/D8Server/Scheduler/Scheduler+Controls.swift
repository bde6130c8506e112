import D8Core
import D8Store

/// What an operator does from the dashboard besides cancelling.
extension Scheduler {
    /// Pauses or resumes a task type; resuming wakes the long-polls its tasks may go to.
    mutating func setPaused(_ taskType: String, _ pause: Bool) throws(APIError) -> SchedulerEffects {
        guard config.taskType(named: taskType) != nil else { throw APIError(.notFound, "no task type '\(taskType)'") }
        var effects = SchedulerEffects()
        if pause {
            paused.insert(taskType)
        } else if paused.remove(taskType) != nil {
            let ready = tasks.values.filter { $0.record.type == taskType && $0.queuedIn != nil }.map(\.record.seq)
            effects.wake = wakeFor(tasks: ready)
        }
        effects.notices.append(SchedulerNotice(level: .notice, message: pause ? "task type paused" : "task type resumed", metadata: ["task_type": taskType]))
        return effects
    }

    /// Held tasks with their reasons, oldest first, as a viewer may see them.
    func heldTasks(for viewer: Viewer, limit: Int) -> [TaskRecord] {
        held.compactMap { tasks[$0]?.record }.filter(viewer.sees).sorted { $0.seq < $1.seq }.prefix(limit).map { $0 }
    }
}
