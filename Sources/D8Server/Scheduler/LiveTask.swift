import D8Core
import D8Store

/// An unfinished task as the scheduler holds it: the stored record plus what only matters
/// while it lives.
struct LiveTask: Sendable {
    var record: TaskRecord
    /// The task's data, parsed once at submit (or recovery): never parsed again.
    var data: JSONValue
    /// The worker types that may run it, in preference order, with their estimates.
    var plan = RoutePlan.empty
    /// The lane whose queue holds it now; nil while it is leased, parked, held or finished.
    var queuedIn: Lane.Key?
    /// Budget held for its leases.
    var reservations: [Reservation] = []
    /// Worker types an attempt failed on: a retry prefers the others (fallback).
    var failedOn: [String] = []
    /// Its answer is streamed from this node (`Submission.answeredHere`): a cluster node keeps it.
    var answeredHere = false

    init(record: TaskRecord, data: JSONValue) {
        self.record = record
        self.data = data
    }
}

extension TaskRecord {
    /// Appends one attempt's error to the kept list; every attempt's error survives to the end.
    mutating func appendError(_ message: String, worker: String?, at time: Double, details: JSONValue? = nil) {
        var entry: [String: JSONValue] = ["attempt": .number(Double(attempt)), "error": .string(message), "at": .number(time)]
        if let worker { entry["worker_id"] = .string(worker) }
        if let details { entry["details"] = details }
        // The list is JSON array text: append without parsing what is there.
        let item = JSONValue.object(entry).jsonString
        errors = errors == "[]" || errors.isEmpty ? "[\(item)]" : String(errors.dropLast()) + ",\(item)]"
    }

    /// Back to pending, free for any worker.
    mutating func returnToQueue(notBefore: Double? = nil) {
        status = .pending
        assignedTo = nil
        lease = nil
        leaseExpiresAt = nil
        self.notBefore = notBefore
    }

    mutating func finish(_ status: TaskRecord.Status, at time: Double) {
        self.status = status
        completedAt = time
        leaseExpiresAt = nil
        notBefore = nil
    }
}

extension TaskRecord.Status {
    /// Not leased, not finished: what a deadline can still expire.
    var waitsForLease: Bool { self == .pending || self == .held }
}

extension TaskRecord {
    /// Completed at once with `original`'s result: no worker, no budget, no cost. The result
    /// says so (`cached`, `cached_from`), and the record keeps what the original cost.
    mutating func completeFromCache(_ original: TaskRecord, at time: Double) {
        var result = original.result.flatMap { try? JSONValue.parse($0) }?.objectValue ?? [:]
        result["cached"] = true
        result["cached_from"] = .string(original.taskID)
        result["cost_usd"] = 0
        self.result = JSONValue.object(result).jsonString
        status = .completed
        completedAt = time
        costUSD = 0
        cachedFrom = original.taskID
        savedUSD = original.costUSD ?? 0
        cacheKey = nil // a copy is not a source: every hit names the task that did the work
        deadline = nil
    }
}
