import D8Store

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

    mutating func append(_ other: SchedulerEffects) {
        writes += other.writes
        spends += other.spends
        wake += other.wake
        finished += other.finished
        mustFlush = mustFlush || other.mustFlush
    }

    var isEmpty: Bool { writes.isEmpty && spends.isEmpty && wake.isEmpty && finished.isEmpty }
}
