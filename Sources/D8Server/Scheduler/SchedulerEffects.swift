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
    /// What the metrics count (a task that ends is counted from `finished`).
    var observations: [SchedulerObservation] = []

    mutating func append(_ other: SchedulerEffects) {
        writes += other.writes
        spends += other.spends
        wake += other.wake
        finished += other.finished
        mustFlush = mustFlush || other.mustFlush
        notices += other.notices
        observations += other.observations
    }

    var isEmpty: Bool { writes.isEmpty && spends.isEmpty && wake.isEmpty && finished.isEmpty && notices.isEmpty && observations.isEmpty }
}

/// An event the metrics count; the scheduler names it, its owner records it.
enum SchedulerObservation: Sendable, Equatable {
    /// A task goes back to the queue for another attempt (a retryable failure, a lost lease).
    case retried(taskType: String)
    case leaseExpired(taskType: String)
    /// A task waits as `held`: no budget admits it (or a price is unknown).
    case held(taskType: String)
    /// A worker reported what its provider did, on time or late.
    case providerCall(ProviderCall)

    struct ProviderCall: Sendable, Equatable {
        let workerType: String
        let model: String
        let succeeded: Bool
        let inputTokens: Int
        let outputTokens: Int
        let costUSD: Double
        /// From the lease to the result.
        let seconds: Double?
        /// From the lease to the first token, when the worker reported one (`first_token_ms`).
        let firstTokenSeconds: Double?
    }
}

/// Something the scheduler decided that an operator should be able to read in the log; its
/// owner writes it, so the rules stay free of I/O.
struct SchedulerNotice: Sendable, Equatable {
    let level: Logger.Level
    let message: String
    let metadata: [String: String]
}
