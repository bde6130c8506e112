import DequeModule
import Foundation

/// Leased tasks on their way to the slot threads. Each task wakes one idle slot thread: with
/// dozens of slots, waking them all for every task (as a shared condition's broadcast does)
/// cost the worker more CPU than running the task.
final class SlotQueue: @unchecked Sendable { // mutable state only under `condition`
    private let condition = NSCondition()
    private var tasks = Deque<HeldTask>()
    private var closed = false

    func put(_ new: [HeldTask]) {
        guard !new.isEmpty else { return }
        condition.lock()
        tasks.append(contentsOf: new)
        for _ in new { condition.signal() }
        condition.unlock()
    }

    /// The next task, waiting for one; nil once closed and empty.
    func take() -> HeldTask? {
        condition.lock()
        defer { condition.unlock() }
        while tasks.isEmpty, !closed { condition.wait() }
        return tasks.popFirst()
    }

    /// No more tasks: every waiting slot thread returns nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
