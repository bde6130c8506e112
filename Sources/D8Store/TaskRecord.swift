extension TaskRecord {
    /// Where a task is in its lifecycle.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case pending, assigned, completed, failed, cancelled, dead, held
        /// Not leased before its deadline: it never reached a worker or a budget.
        case expired

        /// Statuses the orchestrator rebuilds its queues from on start.
        public static let unfinished: [Status] = [.pending, .assigned, .held]
        /// Statuses `prune` may delete.
        public static let finished: [Status] = [.completed, .failed, .cancelled, .dead, .expired]

        /// One of `finished`: the task never changes again.
        public var isFinished: Bool {
            switch self {
            case .completed, .failed, .cancelled, .dead, .expired: true
            case .pending, .assigned, .held: false
            }
        }
    }
}

/// One task as stored: a row of the `tasks` table.
public struct TaskRecord: Sendable, Equatable {
    /// Numeric id > 0 (at most Int64.max), the primary key; also the id in the in-memory queue.
    public var seq: UInt64
    /// The public id (a UUID string), unique.
    public var taskID: String
    public var type: String
    /// The task's data: JSON object text as submitted.
    public var data: String
    public var priority: Int
    public var status: TaskRecord.Status
    /// Leases handed out so far.
    public var attempt: Int
    public var maxAttempts: Int
    /// Worker id.
    public var assignedTo: String?
    public var workerType: String?
    public var lease: String?
    public var leaseExpiresAt: Double?
    /// Times are Unix epoch seconds, as in the old D8.
    public var createdAt: Double
    public var assignedAt: Double?
    public var completedAt: Double?
    /// Retry backoff: not dispatchable before this time.
    public var notBefore: Double?
    /// JSON text of the final result.
    public var result: String?
    /// JSON array text of every attempt's error; "[]" when none.
    public var errors: String
    public var idempotencyKey: String?
    /// Name of the client key that submitted the task.
    public var client: String?
    public var costUSD: Double?
    /// The submit's own cost ceiling (`max_cost_usd`), if it gave one.
    public var maxCostUSD: Double?
    /// Budget reserved for the task's running attempts, until `reservedUntil` (epoch seconds).
    public var reservedUSD: Double?
    public var reservedUntil: Double?
    /// Why a `held` task waits (a spent budget).
    public var heldReason: String?
    /// The job it belongs to, if it was submitted as part of one.
    public var jobID: String?
    /// Unix seconds: not leased by then, it ends `expired`.
    public var deadline: Double?
    /// Its task type, client and canonical data, hashed: where a later identical submit looks
    /// for this task's result (set on tasks of a type with a result cache).
    public var cacheKey: String?
    /// A cache hit: the task whose result this one carries, and what that task cost.
    public var cachedFrom: String?
    public var savedUSD: Double?

    public init(
        seq: UInt64, taskID: String, type: String, data: String, priority: Int,
        status: TaskRecord.Status = .pending, attempt: Int = 0, maxAttempts: Int,
        assignedTo: String? = nil, workerType: String? = nil,
        lease: String? = nil, leaseExpiresAt: Double? = nil,
        createdAt: Double, assignedAt: Double? = nil, completedAt: Double? = nil,
        notBefore: Double? = nil, result: String? = nil, errors: String = "[]",
        idempotencyKey: String? = nil, client: String? = nil, costUSD: Double? = nil,
        maxCostUSD: Double? = nil, reservedUSD: Double? = nil, reservedUntil: Double? = nil, heldReason: String? = nil,
        jobID: String? = nil, deadline: Double? = nil, cacheKey: String? = nil, cachedFrom: String? = nil, savedUSD: Double? = nil
    ) {
        self.seq = seq
        self.taskID = taskID
        self.type = type
        self.data = data
        self.priority = priority
        self.status = status
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.assignedTo = assignedTo
        self.workerType = workerType
        self.lease = lease
        self.leaseExpiresAt = leaseExpiresAt
        self.createdAt = createdAt
        self.assignedAt = assignedAt
        self.completedAt = completedAt
        self.notBefore = notBefore
        self.result = result
        self.errors = errors
        self.idempotencyKey = idempotencyKey
        self.client = client
        self.costUSD = costUSD
        self.maxCostUSD = maxCostUSD
        self.reservedUSD = reservedUSD
        self.reservedUntil = reservedUntil
        self.heldReason = heldReason
        self.jobID = jobID
        self.deadline = deadline
        self.cacheKey = cacheKey
        self.cachedFrom = cachedFrom
        self.savedUSD = savedUSD
    }
}
