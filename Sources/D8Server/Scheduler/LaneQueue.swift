import D8Core
import DequeModule

/// The queue of one lane: a FIFO per priority level, so a push is O(1) and the best head is one
/// of ten. Aging raises a task's effective priority by one per `aging` seconds waited; within a
/// level the oldest task has aged most, so each level stays in dispatch order without re-sorting.
///
/// Removal is lazy: a cancelled or re-routed task stays in its level until it reaches the head,
/// where the scheduler drops it (`LiveTask.queuedIn` says whether an entry is still current).
struct LaneQueue: Sendable {
    struct Entry: Sendable, Equatable {
        let seq: UInt64
        /// Epoch seconds, when it entered this queue.
        let enqueuedAt: Double
    }

    /// A level's head as dispatch sees it now.
    struct Head: Sendable {
        let entry: Entry
        let level: Int
        let effectivePriority: Int

        /// Higher effective priority first, then the one that waited longer.
        func isBefore(_ other: Head) -> Bool {
            effectivePriority != other.effectivePriority
                ? effectivePriority > other.effectivePriority
                : entry.enqueuedAt < other.entry.enqueuedAt
        }
    }

    let key: Lane.Key
    /// Seconds a head waits before worker types further down the plan may take it.
    let spillAfter: Double
    private(set) var levels = [Deque<Entry>](repeating: [], count: TaskPriority.range.count)
    /// Entries still current (lazily removed ones excluded).
    var live = 0

    init(key: Lane.Key, spillAfter: Double) {
        self.key = key
        self.spillAfter = spillAfter
    }

    mutating func push(_ seq: UInt64, priority: Int, at now: Double) {
        levels[priority - TaskPriority.range.lowerBound].append(Entry(seq: seq, enqueuedAt: now))
        live += 1
    }

    static func effectivePriority(level: Int, enqueuedAt: Double, now: Double, aging: Double) -> Int {
        let base = level + TaskPriority.range.lowerBound
        guard aging > 0, now > enqueuedAt else { return base }
        return base + Int(min((now - enqueuedAt) / aging, Double(Int32.max)))
    }

    /// The best physical head (possibly a stale entry: the scheduler checks and drops those).
    func head(now: Double, aging: Double) -> Head? {
        var best: Head?
        for level in levels.indices {
            guard let entry = levels[level].first else { continue }
            let head = Head(entry: entry, level: level, effectivePriority: Self.effectivePriority(level: level, enqueuedAt: entry.enqueuedAt, now: now, aging: aging))
            if best.map(head.isBefore) ?? true { best = head }
        }
        return best
    }

    /// Removes the head of `level`; an emptied level gives its memory back.
    mutating func removeHead(level: Int) {
        levels[level].removeFirst()
        if levels[level].isEmpty { levels[level] = [] }
    }

    /// Every physical entry of every level, each level in dispatch order (for the queue view).
    var entriesByLevel: [(level: Int, entries: Deque<Entry>)] {
        levels.indices.filter { !levels[$0].isEmpty }.map { ($0, levels[$0]) }
    }
}
