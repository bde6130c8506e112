import D8Store
import Logging

/// What the owner of a `Scheduler` must carry out after an event, in this order: queue the
/// writes (under the lock, so the store sees changes in the order they happened), wait for them
/// when `mustFlush`, then wake the long-polls and answer the clients waiting for finished tasks.
struct SchedulerEffects: Sendable {
    var writes: [TaskChange] = []
    var spends: [SpendEntry] = []
    /// Long-polls to wake (their worker may now find a task, or must stop waiting).
    var wake: [Scheduler.WaiterID] = []
    /// Tasks that reached a final state: answered from memory once their write is committed.
    var finished: [TaskRecord] = []
    /// A budget reservation was made: it must be on disk before the worker has the task.
    var mustFlush = false
    /// Lines for the orchestrator's log (a task that ends is logged from `finished`).
    var notices: [SchedulerNotice] = []

    mutating func append(_ other: SchedulerEffects) {
        writes += other.writes
        spends += other.spends
        wake += other.wake
        finished += other.finished
        mustFlush = mustFlush || other.mustFlush
        notices += other.notices
    }

    var isEmpty: Bool { writes.isEmpty && spends.isEmpty && wake.isEmpty && finished.isEmpty && notices.isEmpty }
}

/// Something the scheduler decided that an operator should be able to read in the log; its
/// owner writes it, so the rules stay free of I/O.
struct SchedulerNotice: Sendable, Equatable {
    let level: Logger.Level
    let message: String
    let metadata: [String: String]
}
