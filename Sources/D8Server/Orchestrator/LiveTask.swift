import D8Core
import D8Store

/// An unfinished task as the orchestrator holds it: the stored record plus what only matters
/// while it lives.
struct LiveTask: Sendable {
    var record: TaskRecord
    /// The task's data, parsed once so handing it out does not parse it again.
    var data: JSONValue
    /// The worker types that may run it, in preference order, with their estimates.
    var plan = RoutePlan.empty
    /// The lane it was last queued in.
    var lane: Lane?
    /// Budget held for its leases.
    var reservations: [Reservation] = []

    init(record: TaskRecord, data: JSONValue? = nil) {
        self.record = record
        self.data = data ?? (try? JSONValue.parse(record.data)) ?? [:]
    }
}

extension TaskRecord {
    /// Appends one attempt's error to the kept list; every attempt's error survives to the end.
    mutating func appendError(_ message: String, worker: String?, at time: Double, details: JSONValue? = nil) {
        var list = (try? JSONValue.parse(errors))?.arrayValue ?? []
        var entry: [String: JSONValue] = ["attempt": .number(Double(attempt)), "error": .string(message), "at": .number(time)]
        if let worker { entry["worker_id"] = .string(worker) }
        if let details { entry["details"] = details }
        list.append(.object(entry))
        errors = JSONValue.array(list).jsonString
    }

    /// Back to pending, free for any worker.
    mutating func returnToQueue(notBefore: Double? = nil) {
        status = .pending
        assignedTo = nil
        lease = nil
        leaseExpiresAt = nil
        self.notBefore = notBefore
    }

    mutating func finish(_ status: TaskStatus, at time: Double) {
        self.status = status
        completedAt = time
        leaseExpiresAt = nil
        notBefore = nil
    }
}
