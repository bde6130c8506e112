import D8Core

/// `GET /api/stats` (and D8's `/api/workers/stats`): workers, task counts, per task type and per
/// worker type, and costs. The orchestrator builds it, `d8 stats` reads it; an older
/// orchestrator's shorter answer reads with the parts it has.
public struct OrchestratorStats: Sendable, Equatable {
    public struct Workers: Sendable, Equatable {
        public var total = 0, online = 0, busy = 0
        public var byType: [String: Int] = [:]
        public init() {}
    }

    /// Median and tail of a sample, in seconds.
    public struct Percentiles: Sendable, Equatable {
        public var p50: Double, p99: Double, samples: Int
        public init(p50: Double, p99: Double, samples: Int) { (self.p50, self.p99, self.samples) = (p50, p99, samples) }
    }

    public struct TaskType: Sendable, Equatable {
        /// Tasks by status name ("pending", "completed"...).
        public var counts: [String: Int] = [:]
        public var successRate: Double?
        public var queueWait: Percentiles?
        public var runTime: Percentiles?
        /// Submits answered from the result cache, and what the tasks they copied had cost.
        public var cacheHits = 0
        public var savedUSD = 0.0
        public init() {}
    }

    public struct WorkerType: Sendable, Equatable {
        public var workers = 0, busySlots = 0, freeSlots = 0, completed = 0, failed = 0
        public var costUSD = 0.0
        public init() {}
    }

    public struct Budget: Sendable, Equatable {
        /// "global", "worker_type:groq"...
        public var scope: String
        public var period = "daily"
        public var limitUSD = 0.0, spentUSD = 0.0, reservedUSD = 0.0
        /// Nil when the budget has no limit left to compute (an unlimited scope).
        public var remainingUSD: Double?
        public init(scope: String) { self.scope = scope }
    }

    public struct Price: Sendable, Equatable {
        public var inputPerMTok: Double, outputPerMTok: Double
        public init(inputPerMTok: Double, outputPerMTok: Double) { (self.inputPerMTok, self.outputPerMTok) = (inputPerMTok, outputPerMTok) }
    }

    public struct Cost: Sendable, Equatable {
        public var spentTodayUSD = 0.0, reservedUSD = 0.0
        public var spentTodayByWorkerType: [String: Double] = [:]
        public var budgets: [Budget] = []
        /// USD per million tokens, by worker type.
        public var prices: [String: Price] = [:]
        public init() {}
    }

    public var workers = Workers()
    /// Tasks by status name, over every task type.
    public var tasks: [String: Int] = [:]
    public var taskTypes: [String: TaskType] = [:]
    public var workerTypes: [String: WorkerType] = [:]
    public var cost: Cost?
    /// D8's `performance.success_rate`: completed over completed plus failed (dead included);
    /// nil before any finished.
    public var successRate: Double?

    public init() {}

    public var totalTasks: Int { tasks.values.reduce(0, +) }

    /// The task counts in the words D8's clients know, all four present: held is pending;
    /// dead, cancelled and expired are failed.
    public var countsInD8Words: [String: Int] {
        tasks.reduce(into: ["pending": 0, "assigned": 0, "completed": 0, "failed": 0]) {
            $0[TaskState(rawValue: $1.key).olderWord.rawValue, default: 0] += $1.value
        }
    }
    public var cacheHits: Int { taskTypes.values.reduce(0) { $0 + $1.cacheHits } }
    public var savedUSD: Double { taskTypes.values.reduce(0) { $0 + $1.savedUSD } }

    /// The success rate of `tasks` (by status name).
    public static func successRate(of tasks: [String: Int]) -> Double? {
        let completed = tasks["completed", default: 0], failed = tasks["failed", default: 0] + tasks["dead", default: 0]
        return completed + failed == 0 ? nil : Double(completed) / Double(completed + failed)
    }
}
