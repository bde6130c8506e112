import D8Core
import D8Store

/// Every task's outcome as counters kept while tasks change state, seeded once from the store
/// at start: `/api/stats` reads these instead of counting rows, so its cost does not grow with
/// the backlog. Latencies keep the newest samples of each task type.
struct TaskTally: Sendable {
    static let samplesKept = 1_000

    private(set) var counts: [String: [TaskRecord.Status: Int]] = [:]
    private(set) var byWorkerType: [String: WorkerTypeStatistics] = [:]
    private var waits: [String: SampleRing] = [:]
    private var runs: [String: SampleRing] = [:]
    /// Result cache hits by task type, and what the tasks they copied had cost.
    private(set) var cache: [String: (hits: Int, savedUSD: Double)] = [:]
    /// Tasks that finished, per minute (Unix seconds of its start), over the last hour: the
    /// dashboard's chart, without a store query per refresh.
    private(set) var finishedByMinute: [Double: MinuteCount] = [:]

    init() {}

    init(seed statistics: StoreStatistics) {
        for (type, s) in statistics.byType {
            counts[type] = s.counts.filter { $0.value > 0 }
            waits[type] = SampleRing(s.samples.waits.reversed())
            runs[type] = SampleRing(s.samples.runs.reversed())
            if s.cacheHits > 0 { cache[type] = (s.cacheHits, s.savedUSD) }
        }
        byWorkerType = statistics.byWorkerType
    }

    /// A task of `type` went from `old` (nil: new) to `new`.
    mutating func moved(_ type: String, from old: TaskRecord.Status?, to new: TaskRecord.Status) {
        guard old != new else { return }
        if let old { counts[type, default: [:]][old, default: 0] -= 1 }
        counts[type, default: [:]][new, default: 0] += 1
    }

    /// A task reached a final state: its latencies and its worker type's outcome.
    mutating func finished(_ record: TaskRecord) {
        if record.cachedFrom != nil {
            cache[record.type, default: (0, 0)].hits += 1
            cache[record.type, default: (0, 0)].savedUSD += record.savedUSD ?? 0
        }
        if let done = record.completedAt, record.status != .cancelled { countFinish(at: done, failed: record.status != .completed) }
        guard let workerType = record.workerType else { return }
        switch record.status {
        case .completed: byWorkerType[workerType, default: .init()].completed += 1
        case .failed, .dead: byWorkerType[workerType, default: .init()].failed += 1
        default: break
        }
        byWorkerType[workerType, default: .init()].costUSD += record.costUSD ?? 0
        guard record.status != .cancelled, let assigned = record.assignedAt, let done = record.completedAt else { return }
        waits[record.type, default: SampleRing([])].append(assigned - record.createdAt)
        runs[record.type, default: SampleRing([])].append(done - assigned)
    }

    /// Finished rows the store deleted.
    mutating func pruned(_ rows: [PrunedTasks]) {
        for row in rows {
            counts[row.type, default: [:]][row.status, default: 0] -= row.count
            if row.cacheHits > 0 {
                cache[row.type, default: (0, 0)].hits -= row.cacheHits
                cache[row.type, default: (0, 0)].savedUSD -= row.savedUSD
            }
            guard let workerType = row.workerType else { continue }
            switch row.status {
            case .completed: byWorkerType[workerType, default: .init()].completed -= row.count
            case .failed, .dead: byWorkerType[workerType, default: .init()].failed -= row.count
            default: break
            }
            byWorkerType[workerType, default: .init()].costUSD -= row.costUSD
        }
    }

    /// The last hour's minutes as the store counted them at start.
    mutating func seed(minutes: [MinuteCount]) {
        for minute in minutes { finishedByMinute[minute.minute] = minute }
    }

    private mutating func countFinish(at time: Double, failed: Bool) {
        let minute = (time / 60).rounded(.down) * 60
        let old = finishedByMinute[minute] ?? MinuteCount(minute: minute, completed: 0, failed: 0)
        finishedByMinute[minute] = MinuteCount(minute: minute, completed: old.completed + (failed ? 0 : 1), failed: old.failed + (failed ? 1 : 0))
        if finishedByMinute.count > 61 { finishedByMinute = finishedByMinute.filter { $0.key > minute - 3600 } }
    }

    /// Finishes per minute since `since`, oldest first.
    func minutes(since: Double) -> [MinuteCount] {
        finishedByMinute.values.filter { $0.minute >= (since / 60).rounded(.down) * 60 }.sorted { $0.minute < $1.minute }
    }

    /// The figures in the store's shape.
    var statistics: StoreStatistics {
        var result = StoreStatistics(byWorkerType: byWorkerType)
        for (type, typeCounts) in counts where typeCounts.values.contains(where: { $0 > 0 }) {
            result.byType[type] = TypeStatistics(
                counts: typeCounts,
                queueWait: waits[type].flatMap { Percentiles(nearestRank: $0.values) },
                runTime: runs[type].flatMap { Percentiles(nearestRank: $0.values) })
            result.byType[type]?.cacheHits = cache[type]?.hits ?? 0
            result.byType[type]?.savedUSD = cache[type]?.savedUSD ?? 0
        }
        return result
    }
}

/// The newest `TaskTally.samplesKept` values, oldest overwritten first.
struct SampleRing: Sendable {
    private(set) var values: [Double] = []
    private var next = 0

    init(_ oldestFirst: [Double]) {
        values = Array(oldestFirst.suffix(TaskTally.samplesKept))
    }

    mutating func append(_ value: Double) {
        if values.count < TaskTally.samplesKept { values.append(value); return }
        values[next] = value
        next = (next + 1) % values.count
    }
}
