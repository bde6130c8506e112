/// Timing and limits of the task queue and of worker liveness.
public struct QueueConfig: Sendable, Equatable {
    /// How often workers are told to heartbeat.
    public var heartbeatInterval = Duration.seconds(30)
    /// A worker silent this long is dead and its tasks go back to the queue.
    public var workerTimeout = Duration.seconds(60)
    /// A lease expires after this long without a result.
    public var taskTimeout = Duration.seconds(120)
    /// Attempts before a task is `dead`.
    public var maxAttempts = 3
    /// A waiting task gains one priority level per `aging`.
    public var aging = Duration.seconds(30)
    /// Pending tasks per priority per task type; beyond it submits get 503.
    public var capacity = 65_536
    /// First retry delay; doubles per attempt up to `retryBackoffMax`.
    public var retryBackoff = Duration.seconds(1)
    public var retryBackoffMax = Duration.seconds(60)
    /// The longest `wait=` a worker's long-poll may ask for.
    public var maxLongPoll = Duration.seconds(60)

    public init() {}
}
