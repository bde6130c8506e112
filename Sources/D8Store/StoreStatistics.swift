/// What the store knows about past and present tasks, for the stats endpoint.
public struct StoreStatistics: Sendable, Equatable {
    /// Every type with any task.
    public var byType: [String: TypeStatistics]
    /// Every worker type that has had a task.
    public var byWorkerType: [String: WorkerTypeStatistics]

    public init(byType: [String: TypeStatistics] = [:], byWorkerType: [String: WorkerTypeStatistics] = [:]) {
        self.byType = byType
        self.byWorkerType = byWorkerType
    }
}

public struct TypeStatistics: Sendable, Equatable {
    /// Tasks of the type in each status; every status is present, 0 when none.
    public var counts: [TaskRecord.Status: Int]
    /// `assignedAt - createdAt` over the newest finished (completed, failed, dead) tasks of the
    /// type that were assigned; nil when none.
    public var queueWait: Percentiles?
    /// `completedAt - assignedAt` over the same sample.
    public var runTime: Percentiles?
    /// The sample both come from, newest first.
    public var samples: LatencySamples
    /// Completed from the result cache, and what the tasks they copy had cost.
    public var cacheHits = 0
    public var savedUSD = 0.0

    public init(counts: [TaskRecord.Status: Int] = [:], queueWait: Percentiles? = nil, runTime: Percentiles? = nil, samples: LatencySamples = .init()) {
        self.counts = Dictionary(uniqueKeysWithValues: TaskRecord.Status.allCases.map { ($0, counts[$0] ?? 0) })
        self.queueWait = queueWait
        self.runTime = runTime
        self.samples = samples
    }

    /// completed / (completed + failed + dead); nil when none has ended that way.
    public var successRate: Double? {
        let completed = counts[.completed] ?? 0
        let ended = completed + (counts[.failed] ?? 0) + (counts[.dead] ?? 0)
        return ended == 0 ? nil : Double(completed) / Double(ended)
    }
}

/// Nearest-rank percentiles of a sample, in seconds.
public struct Percentiles: Sendable, Equatable {
    public var p50: Double
    public var p99: Double
    /// The sample's size.
    public var count: Int

    public init(p50: Double, p99: Double, count: Int) {
        self.p50 = p50
        self.p99 = p99
        self.count = count
    }

    /// nil for an empty sample.
    public init?(nearestRank sample: [Double]) {
        guard !sample.isEmpty else { return nil }
        let sorted = sample.sorted()
        // Rank ⌈p·n/100⌉ (1-based), in integers so 0.99·n never rounds the wrong way.
        func percentile(_ p: Int) -> Double { sorted[max((p * sorted.count + 99) / 100, 1) - 1] }
        self.init(p50: percentile(50), p99: percentile(99), count: sorted.count)
    }
}

public struct WorkerTypeStatistics: Sendable, Equatable {
    /// Tasks whose last attempt ran on this worker type and completed.
    public var completed: Int
    /// …and failed or went dead.
    public var failed: Int
    /// Sum of the cost of every task whose last attempt ran on this worker type.
    public var costUSD: Double

    public init(completed: Int = 0, failed: Int = 0, costUSD: Double = 0) {
        self.completed = completed
        self.failed = failed
        self.costUSD = costUSD
    }
}

/// Queue waits and run times in seconds, newest first.
public struct LatencySamples: Sendable, Equatable {
    public var waits: [Double] = []
    public var runs: [Double] = []

    public init(waits: [Double] = [], runs: [Double] = []) {
        self.waits = waits
        self.runs = runs
    }
}

/// Finished tasks deleted by `prune`, grouped by task type, status and worker type.
public struct PrunedTasks: Sendable, Equatable {
    public let type: String
    public let status: TaskRecord.Status
    public let workerType: String?
    public let count: Int
    public let costUSD: Double
    /// Of them, cache hits, and what their originals had cost.
    public var cacheHits = 0
    public var savedUSD = 0.0

    public init(type: String, status: TaskRecord.Status, workerType: String?, count: Int, costUSD: Double, cacheHits: Int = 0, savedUSD: Double = 0) {
        self.type = type
        self.status = status
        self.workerType = workerType
        self.count = count
        self.costUSD = costUSD
        self.cacheHits = cacheHits
        self.savedUSD = savedUSD
    }
}
