import D8Core

/// A registered worker as the scheduler knows it: the one record of its slots.
struct WorkerState: Sendable {
    let id: String
    /// A new number at each registration, so a previous life's long-polls cannot act on this one.
    let generation: UInt64
    let workerType: String
    let slots: Int
    /// Task types this worker type may serve, from the routes.
    let taskTypes: [String]
    let capabilities: JSONValue
    let registeredAt: Double
    var lastSeen: Double
    /// Tasks it holds a current lease on.
    var held: Set<UInt64> = []
    /// Tasks whose lease expired while this worker still runs them (a hung provider call):
    /// their slots stay busy until the late result arrives, or the worker leaves. A task may be
    /// here more than once: each expired attempt holds its own slot.
    var overdue: [UInt64] = []
    var completed = 0
    var failed = 0

    var busySlots: Int { held.count + overdue.count }

    /// A late result ends one overdue attempt of the task.
    mutating func endOverdue(_ seq: UInt64) {
        if let index = overdue.firstIndex(of: seq) { overdue.remove(at: index) }
    }
    var freeSlots: Int { max(0, slots - busySlots) }

    /// D8's word for it in the worker list.
    var status: String { freeSlots == 0 ? "busy" : "online" }
}
