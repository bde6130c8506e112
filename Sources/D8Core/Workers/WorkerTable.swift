internal import CCore

/// The orchestrator's live table of workers: type, slots, heartbeat and state, read and updated
/// without a lock.
///
/// `register` and `remove` must come from one writer at a time (the caller serialises them);
/// every other method may be called from any thread. Worker ids are numbers the caller assigns
/// (neither 0 nor `UInt64.max`); worker types are indexes below `typeCount`.
public final class WorkerTable: @unchecked Sendable {
    // Sendable: the C table is lock-free for every call but register/remove, whose single-writer
    // rule is part of this type's contract; `handle` is immutable and freed only in deinit.
    private let handle: OpaquePointer

    public let capacity: Int
    public let typeCount: Int

    public init(capacity: Int, typeCount: Int) throws(WorkerTableError) {
        guard capacity > 0, capacity <= 1 << 24, typeCount > 0, typeCount <= Int(CCORE_WT_MAX_TYPES),
              let handle = ccore_wt_create(UInt32(capacity), UInt32(typeCount))
        else { throw .invalidSize(capacity: capacity, typeCount: typeCount) }
        self.handle = handle
        self.capacity = capacity
        self.typeCount = typeCount
    }

    deinit { ccore_wt_destroy(handle) }

    /// Adds a worker (online, no slot busy), or resets one that registers again. Single writer.
    public func register(_ id: UInt64, type: Int, slots: Int, now: UInt64) throws(WorkerTableError) {
        guard (0..<typeCount).contains(type) else { throw .unknownType(type) }
        guard (1...Int(CCORE_WT_MAX_SLOTS)).contains(slots) else { throw .invalidSlots(slots) }
        try check(ccore_wt_register(handle, id, UInt32(type), UInt32(slots), now), id)
    }

    /// Forgets a worker. Single writer.
    public func remove(_ id: UInt64) throws(WorkerTableError) { try check(ccore_wt_remove(handle, id), id) }

    public func heartbeat(_ id: UInt64, now: UInt64) throws(WorkerTableError) {
        try check(ccore_wt_heartbeat(handle, id, now), id)
    }

    /// Takes one slot; false when every slot is busy or the worker is draining.
    public func acquireSlot(_ id: UInt64) throws(WorkerTableError) -> Bool {
        let status = ccore_wt_acquire_slot(handle, id)
        if status == CCORE_FULL { return false }
        try check(status, id)
        return true
    }

    public func releaseSlot(_ id: UInt64) throws(WorkerTableError) {
        let status = ccore_wt_release_slot(handle, id)
        if status == CCORE_INVALID { throw .noBusySlot(id) }
        try check(status, id)
    }

    /// Stops counting the worker's slots as free; it finishes what it holds.
    public func drain(_ id: UInt64) throws(WorkerTableError) { try check(ccore_wt_set_draining(handle, id), id) }

    public func worker(_ id: UInt64) -> WorkerRow? {
        var info = ccore_worker_info()
        guard ccore_wt_get(handle, id, &info) == CCORE_OK else { return nil }
        return WorkerRow(info)
    }

    /// Free slots of online workers of a type, in O(1): "could a worker of this type start a task now?"
    public func freeSlots(type: Int) -> Int { Int(ccore_wt_free_slots(handle, UInt32(clamping: type))) }

    /// Workers in the table, dead ones included.
    public var count: Int { Int(ccore_wt_count(handle)) }

    /// Declares dead every worker silent for more than `timeout` ticks and returns their ids,
    /// each once: the caller requeues their tasks, then removes them.
    public func reap(now: UInt64, timeout: UInt64) -> [UInt64] {
        var dead: [UInt64] = []
        let batch = 256
        var found = batch
        while found == batch {
            let ids = [UInt64](unsafeUninitializedCapacity: batch) { buffer, initialized in
                initialized = ccore_wt_reap(handle, now, timeout, buffer.baseAddress, batch)
            }
            found = ids.count
            dead += ids
        }
        return dead
    }

    private func check(_ status: ccore_status, _ id: UInt64) throws(WorkerTableError) {
        switch status {
        case CCORE_OK: return
        case CCORE_NOT_FOUND: throw .notFound(id)
        case CCORE_DEAD: throw .dead(id)
        case CCORE_FULL: throw .tableFull(capacity: capacity)
        default: throw .invalidID(id)
        }
    }
}

/// One worker as the table sees it.
public struct WorkerRow: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case online, busy, draining, dead
    }

    public let id: UInt64
    public let type: Int
    public let totalSlots: Int
    public let busySlots: Int
    public let lastHeartbeat: UInt64
    public let state: State

    public init(id: UInt64, type: Int, totalSlots: Int, busySlots: Int, lastHeartbeat: UInt64, state: State) {
        self.id = id
        self.type = type
        self.totalSlots = totalSlots
        self.busySlots = busySlots
        self.lastHeartbeat = lastHeartbeat
        self.state = state
    }

    init(_ info: ccore_worker_info) {
        let state: State = switch info.state {
        case CCORE_WORKER_BUSY: .busy
        case CCORE_WORKER_DRAINING: .draining
        case CCORE_WORKER_DEAD: .dead
        default: .online
        }
        self.init(id: info.id, type: Int(info.type), totalSlots: Int(info.total_slots),
                  busySlots: Int(info.busy_slots), lastHeartbeat: info.last_heartbeat, state: state)
    }
}

public enum WorkerTableError: Error, Hashable, CustomStringConvertible {
    case invalidSize(capacity: Int, typeCount: Int)
    case unknownType(Int)
    case invalidSlots(Int)
    case invalidID(UInt64)
    case notFound(UInt64)
    /// The reaper declared the worker dead; it must register again.
    case dead(UInt64)
    case tableFull(capacity: Int)
    case noBusySlot(UInt64)

    public var description: String {
        switch self {
        case let .invalidSize(c, t): "a worker table needs a capacity of 1 to 2^24 and 1 to 4096 types, got \(c) and \(t)"
        case let .unknownType(t): "unknown worker type index \(t)"
        case let .invalidSlots(s): "a worker has 1 to 65535 slots, got \(s)"
        case let .invalidID(id): "worker id \(id) is reserved"
        case let .noBusySlot(id): "worker \(id) holds no busy slot to give back"
        case let .notFound(id): "worker \(id) is not registered"
        case let .dead(id): "worker \(id) missed its heartbeats and must register again"
        case let .tableFull(c): "the worker table is full (\(c) workers)"
        }
    }
}
