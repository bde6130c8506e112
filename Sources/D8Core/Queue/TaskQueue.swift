internal import CCore

/// A lock-free priority queue of task ids, one per task type in the orchestrator.
///
/// Higher priority first, FIFO within a priority; a task's effective priority rises by one for
/// every `agingInterval` it has waited, so low priorities never starve. Times are ticks in a
/// monotonic unit the caller chooses (the orchestrator uses milliseconds) and passes in.
public final class TaskQueue: @unchecked Sendable {
    // Sendable: the C queue is built for concurrent use from any thread, and `handle` is
    // immutable and freed only in deinit, when no one else can hold the queue.
    private let handle: OpaquePointer

    /// Tasks each priority can hold before a push is refused.
    public let capacityPerPriority: Int
    public let agingInterval: UInt64

    /// - Parameters:
    ///   - capacityPerPriority: rounded up to a power of two; memory for a priority is taken when
    ///     its first task arrives (24 bytes a task).
    ///   - agingInterval: ticks of waiting worth one priority step; 0 turns aging off.
    public init(capacityPerPriority: Int, agingInterval: UInt64 = 0) throws(QueueError) {
        guard capacityPerPriority > 0, capacityPerPriority <= 1 << 31,
              let handle = ccore_pq_create(UInt32(capacityPerPriority), agingInterval)
        else { throw .invalidCapacity(capacityPerPriority) }
        self.handle = handle
        self.capacityPerPriority = Int(ccore_pq_capacity_per_level(handle))
        self.agingInterval = agingInterval
    }

    deinit { ccore_pq_destroy(handle) }

    /// Queues `id` (neither 0 nor `UInt64.max`) at `priority` (1...10).
    public func push(_ id: UInt64, priority: Int, now: UInt64) throws(QueueError) {
        guard TaskPriority.range.contains(priority) else { throw .invalidPriority(priority) }
        switch ccore_pq_push(handle, id, UInt32(priority), now) {
        case CCORE_OK: return
        case CCORE_FULL: throw .full(priority: priority, capacity: capacityPerPriority)
        case CCORE_NOMEM: throw .outOfMemory
        default: throw .invalidID(id)
        }
    }

    /// Takes the task of highest effective priority, or nil when the queue is empty.
    public func pop(now: UInt64) -> QueuedTask? {
        var item = ccore_pq_item()
        guard ccore_pq_pop(handle, now, &item) == CCORE_OK else { return nil }
        return QueuedTask(item)
    }

    /// The task `pop` would take now, without taking it: a hint, since another thread may take
    /// it first. Used to choose between queues.
    public func peek(now: UInt64) -> QueuedTask? {
        var item = ccore_pq_item()
        guard ccore_pq_peek(handle, now, &item) == CCORE_OK else { return nil }
        return QueuedTask(item)
    }

    /// Removes a queued task; true when this call removed it. Linear in the queue's length.
    @discardableResult
    public func remove(_ id: UInt64) -> Bool { ccore_pq_remove(handle, id) }

    /// Tasks queued: exact when nothing else runs, a close estimate otherwise.
    public var count: Int { Int(ccore_pq_count(handle)) }
}

/// A task taken from (or seen at the head of) a `TaskQueue`.
public struct QueuedTask: Sendable, Hashable {
    public let id: UInt64
    public let priority: Int
    /// `priority` plus aging at the time of the pop or peek.
    public let effectivePriority: Int
    public let enqueuedAt: UInt64

    public init(id: UInt64, priority: Int, effectivePriority: Int, enqueuedAt: UInt64) {
        self.id = id
        self.priority = priority
        self.effectivePriority = effectivePriority
        self.enqueuedAt = enqueuedAt
    }

    init(_ item: ccore_pq_item) {
        self.init(id: item.id, priority: Int(item.priority), effectivePriority: Int(item.effective_priority),
                  enqueuedAt: item.enqueued_at)
    }
}
