import D8Core
import D8Store

/// What the read endpoints show, from the live state alone: their cost does not grow with the
/// backlog beyond what they return.
extension Scheduler {
    /// A pending task in dispatch order, for the queue view.
    struct QueuedView: Sendable {
        let record: TaskRecord
        let effectivePriority: Int
    }

    /// The first `limit` pending tasks in the order they would be dispatched now (queued ones by
    /// a merge of the lanes' levels, each already in order, so nothing is sorted but the heads),
    /// then those waiting for a retry; and how many are pending by task type. A client sees its
    /// own tasks only (its counts walk the live tasks; everyone's come from the counters).
    func queueView(limit: Int, now: Double, for viewer: Viewer = .everyone) -> (tasks: [QueuedView], total: Int, byType: [String: Int]) {
        var cursors: [(entries: ArraySlice<LaneQueue.Entry>, level: Int, key: Lane.Key)] = []
        for (key, lane) in lanes where lane.live > 0 {
            for (level, entries) in lane.entriesByLevel {
                // A level's live entries: at most `limit` are needed from each.
                var taken: [LaneQueue.Entry] = []
                for entry in entries {
                    guard let live = tasks[entry.seq], live.queuedIn == key, viewer.sees(live.record) else { continue }
                    taken.append(entry)
                    if taken.count == limit { break }
                }
                if !taken.isEmpty { cursors.append((taken[...], level, key)) }
            }
        }
        var out: [QueuedView] = []
        while out.count < limit {
            var best: (index: Int, head: LaneQueue.Head)?
            for (index, cursor) in cursors.enumerated() {
                guard let entry = cursor.entries.first else { continue }
                let head = LaneQueue.Head(entry: entry, level: cursor.level, effectivePriority: LaneQueue.effectivePriority(level: cursor.level, enqueuedAt: entry.enqueuedAt, now: now, aging: aging))
                if best.map({ head.isBefore($0.head) }) ?? true { best = (index, head) }
            }
            guard let best, let live = tasks[best.head.entry.seq] else { break }
            cursors[best.index].entries.removeFirst()
            out.append(QueuedView(record: live.record, effectivePriority: best.head.effectivePriority))
        }
        if out.count < limit {
            let waiting = parked.compactMap { tasks[$0]?.record }.filter(viewer.sees).sorted { ($0.notBefore ?? 0, $0.seq) < ($1.notBefore ?? 0, $1.seq) }
            out += waiting.prefix(limit - out.count).map { QueuedView(record: $0, effectivePriority: $0.priority) }
        }
        var byType: [String: Int] = [:]
        guard viewer == .everyone else {
            for live in tasks.values where live.record.status == .pending && viewer.sees(live.record) { byType[live.record.type, default: 0] += 1 }
            return (out, byType.values.reduce(0, +), byType)
        }
        for (type, counts) in tally.counts { if let n = counts[.pending], n > 0 { byType[type] = n } }
        return (out, count(.pending), byType)
    }

    /// Workers online (every registered worker is: a silent one is reaped) and busy ones.
    var workerCounts: (online: Int, busy: Int) {
        (workers.count, workers.values.count { $0.freeSlots == 0 })
    }
}

extension Scheduler {
    /// One queue's gauges: its pending tasks of one task type and priority.
    struct QueueGauge: Sendable {
        let taskType: String
        let priority: Int
        let depth: Int
        /// Seconds since the oldest of them was submitted.
        let oldestAge: Double
    }

    /// Pending tasks by task type and priority, for the metrics. It walks the live tasks once
    /// (a scrape every few seconds, not a request per task).
    func queueGauges(now: Double, for viewer: Viewer = .everyone) -> [QueueGauge] {
        struct Key: Hashable { let type: String, priority: Int }
        var found: [Key: (depth: Int, oldest: Double)] = [:]
        for live in tasks.values where live.record.status == .pending && viewer.sees(live.record) {
            let key = Key(type: live.record.type, priority: live.record.priority)
            let entry = found[key] ?? (0, .infinity)
            found[key] = (entry.depth + 1, min(entry.oldest, live.record.createdAt))
        }
        return found.map { QueueGauge(taskType: $0.key.type, priority: $0.key.priority, depth: $0.value.depth, oldestAge: max(0, now - $0.value.oldest)) }
    }
}
