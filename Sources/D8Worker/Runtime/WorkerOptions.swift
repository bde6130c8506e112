/// How one `d8 worker` process serves one worker type.
public struct WorkerOptions: Sendable {
    public var workerID: String
    public var workerType: String
    /// Tasks run at once; each has its own thread, since a plugin's execute blocks.
    public var slots: Int
    /// How long one long-poll waits for a task (below the orchestrator's `max_long_poll`).
    public var pollWait: Duration
    /// After SIGTERM: how long in-flight tasks may take to finish before the rest is handed back.
    public var drainTimeout: Duration

    public init(workerID: String, workerType: String, slots: Int, pollWait: Duration = .seconds(20), drainTimeout: Duration = .seconds(30)) {
        self.workerID = workerID
        self.workerType = workerType
        self.slots = max(1, slots)
        self.pollWait = pollWait
        self.drainTimeout = drainTimeout
    }
}

/// When one task passed through a worker: for the benchmark and the logs.
public struct TaskTiming: Sendable {
    /// The long-poll answer that carried the task arrived.
    public let leased: ContinuousClock.Instant
    public let executeStarted: ContinuousClock.Instant
    public let executeEnded: ContinuousClock.Instant
    /// The orchestrator answered the result (or the worker gave up on it).
    public let reported: ContinuousClock.Instant
    /// Whether the orchestrator accepted the result.
    public let accepted: Bool
}
