/// Timing and limits of the task queue and of worker liveness.
public struct QueueConfig: Sendable, Equatable {
    /// How often workers are told to heartbeat.
    public var heartbeatInterval: Duration
    /// A worker silent this long is dead and its tasks go back to the queue.
    public var workerTimeout: Duration
    /// A lease expires after this long without a result.
    public var taskTimeout: Duration
    /// Attempts before a task is `dead`.
    public var maxAttempts: Int
    /// A waiting task gains one priority level per `aging`.
    public var aging: Duration
    /// Pending tasks per priority per task type; beyond it submits get 503.
    public var capacity: Int
    /// First retry delay; doubles per attempt up to `retryBackoffMax`.
    public var retryBackoff: Duration
    public var retryBackoffMax: Duration
    /// The longest `wait=` a worker's long-poll may ask for.
    public var maxLongPoll: Duration

    public init(
        heartbeatInterval: Duration = .seconds(30), workerTimeout: Duration = .seconds(60),
        taskTimeout: Duration = .seconds(120), maxAttempts: Int = 3, aging: Duration = .seconds(30),
        capacity: Int = 65_536, retryBackoff: Duration = .seconds(1), retryBackoffMax: Duration = .seconds(60),
        maxLongPoll: Duration = .seconds(60)
    ) {
        self.heartbeatInterval = heartbeatInterval
        self.workerTimeout = workerTimeout
        self.taskTimeout = taskTimeout
        self.maxAttempts = maxAttempts
        self.aging = aging
        self.capacity = capacity
        self.retryBackoff = retryBackoff
        self.retryBackoffMax = retryBackoffMax
        self.maxLongPoll = maxLongPoll
    }
}
