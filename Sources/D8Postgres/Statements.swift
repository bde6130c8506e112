import D8Core
import D8Store
import Foundation
import Logging
import PostgresNIO

/// The SQL of each change, bound for this node: a node writes a task only while it holds it
/// (`owner`), and never touches a row that has finished.
struct Statements: Sendable {
    let node: String
    /// Seconds one priority level is worth in the claim order (`rank`): the aging period, so a
    /// task that waited that long ranks with one a level higher, as in one orchestrator's queues.
    let priorityWeight: Double
    /// Durability `process`: a commit returns before PostgreSQL's WAL is flushed to disk.
    let asynchronousCommit: Bool
    /// Budgets are on: a task's reservations go when its record holds none any more.
    let tracksReservations: Bool
    /// The budget day's start, as `BudgetBook` counts days.
    let utcOffsetMinutes: Int
    let logger: Logger

    static let leaseColumns = TaskChange.leaseColumns
    static let updateColumns = TaskChange.updateColumns

    static let insertSQL = """
        INSERT INTO tasks (\(TaskRecord.postgresColumns.joined(separator: ", ")), owner, rank)
        VALUES (\((1...TaskRecord.postgresColumns.count + 2).map { "$\($0)" }.joined(separator: ", ")))
        """

    /// `UPDATE` of `columns` fenced by seq ($1), owner ($2) and unfinished status; values from $3.
    /// A leased task that no node holds (its node was taken for dead, but lives) may still be
    /// written with its current lease: the lease decides, as it would for a result elsewhere.
    static func fencedUpdate(_ columns: [String], extra: String = "") -> String {
        let sets = columns.enumerated().map { "\($1) = $\($0 + 3)" }.joined(separator: ", ")
        let lease = "$\(columns.firstIndex(of: "lease")! + 3)"
        return """
            UPDATE tasks SET \(sets)\(extra) WHERE seq = $1 AND status NOT IN (\(TaskRecord.finishedSQL))
            AND (owner = $2 OR (owner IS NULL AND status = 'assigned' AND lease = \(lease)))
            RETURNING status
            """
    }

    static let leaseSQL = fencedUpdate(leaseColumns)
    /// A finished task leaves its owner: nothing holds it any more.
    static let updateSQL = fencedUpdate(updateColumns, extra: ", owner = CASE WHEN $3 IN (\(TaskRecord.finishedSQL)) THEN NULL ELSE owner END")
    static let releaseSQL = fencedUpdate(updateColumns, extra: ", owner = NULL, rank = $\(updateColumns.count + 3)")

    func rank(priority: Int, enqueuedAt: Double) -> Double { enqueuedAt - Double(priority) * priorityWeight }

    /// Applies one change; returns the seqs it found held by another node (not written).
    func apply(_ change: TaskChange, on connection: PostgresConnection) async throws -> [UInt64] {
        switch change {
        case let .insert(r), let .insertHeld(r):
            var binds = PostgresBindings()
            r.appendBindings(to: &binds)
            // In the shared queue (any node may claim it), or this node's.
            if case .insertHeld = change, !r.status.isFinal { binds.append(node) } else { binds.append(String?.none) }
            binds.append(rank(priority: r.priority, enqueuedAt: r.createdAt))
            try await connection.query(PostgresQuery(unsafeSQL: Self.insertSQL, binds: binds), logger: logger)
            if r.status.isFinal { try await logCompletion(r, on: connection) }
            return []
        case let .job(job):
            try await connection.query("""
                INSERT INTO jobs (job_id, name, client, created_at, total, deadline)
                VALUES (\(job.jobID), \(job.name), \(job.client), \(job.createdAt), \(job.total), \(job.deadline))
                """, logger: logger)
            return []
        case let .lease(r):
            return try await fenced(Self.leaseSQL, r, on: connection) { $0.appendLeaseValues(of: r) }
        case let .update(r):
            return try await fenced(Self.updateSQL, r, on: connection) { $0.appendUpdateValues(of: r) }
        case let .release(r):
            return try await fenced(Self.releaseSQL, r, on: connection) { binds in
                binds.appendUpdateValues(of: r)
                binds.append(rank(priority: r.priority, enqueuedAt: max(r.notBefore ?? 0, Self.epochNow())))
            }
        }
    }

    private func fenced(_ sql: String, _ r: TaskRecord, on connection: PostgresConnection, values: (inout PostgresBindings) -> Void) async throws -> [UInt64] {
        var binds = PostgresBindings()
        binds.append(Int64(r.seq))
        binds.append(node)
        values(&binds)
        var written = false
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) { written = true }
        guard written else { return [r.seq] }
        if r.status.isFinal { try await logCompletion(r, on: connection) }
        if tracksReservations, r.reservedUSD == nil {
            try await connection.query("DELETE FROM reservations WHERE task_id = \(r.taskID)", logger: logger)
        }
        return []
    }

    /// The append-only completion log: its unique task id refuses a second completion.
    private func logCompletion(_ r: TaskRecord, on connection: PostgresConnection) async throws {
        try await connection.query("""
            INSERT INTO completions (task_id, seq, status, attempt, node, at)
            VALUES (\(r.taskID), \(Int64(r.seq)), \(r.status.rawValue), \(r.attempt), \(node), \(r.completedAt ?? Self.epochNow()))
            """, logger: logger)
    }

    /// The ledger rows, and what they add to each scope's spending of their budget day (the
    /// scopes' rows updated in one order, as reservations lock them).
    func insertSpend(_ entries: [SpendEntry], on connection: PostgresConnection) async throws {
        var byScopeAndDay: [String: (scope: String, day: Int, usd: Double)] = [:]
        for e in entries {
            var inserted = false
            for try await _ in try await connection.query("""
                INSERT INTO spend (at, task_id, client, worker_type, usd) VALUES (\(e.at), \(e.taskID), \(e.client), \(e.workerType), \(e.usd))
                ON CONFLICT (task_id, at) DO NOTHING RETURNING id
                """, logger: logger) { inserted = true }
            guard inserted else { continue }
            let day = BudgetBook.day(at: e.at, utcOffsetMinutes: utcOffsetMinutes)
            for scope in BudgetBook.scopes(client: e.client, workerType: e.workerType) {
                let key = "\(scope.description)\u{0}\(day)"
                byScopeAndDay[key] = (scope.description, day, (byScopeAndDay[key]?.usd ?? 0) + e.usd)
            }
        }
        for (_, entry) in byScopeAndDay.sorted(by: { $0.key < $1.key }) {
            try await connection.query("""
                INSERT INTO budgets (scope, day, spent) VALUES (\(entry.scope), \(entry.day), \(entry.usd))
                ON CONFLICT (scope, day) DO UPDATE SET spent = budgets.spent + excluded.spent
                """, logger: logger)
        }
    }

    static func epochNow() -> Double { Date().timeIntervalSince1970 }
}

extension TaskRecord.Status {
    var isFinal: Bool { TaskRecord.Status.finished.contains(self) }
}

extension PostgresBindings {
    /// In `Statements.leaseColumns` order.
    mutating func appendLeaseValues(of r: TaskRecord) {
        append(r.status.rawValue)
        append(r.attempt)
        append(r.assignedTo)
        append(r.workerType)
        append(r.lease)
        append(r.leaseExpiresAt)
        append(r.assignedAt)
        append(r.notBefore)
        append(r.reservedUSD)
        append(r.reservedUntil)
        append(r.heldReason)
    }

    /// In `Statements.updateColumns` order.
    mutating func appendUpdateValues(of r: TaskRecord) {
        appendLeaseValues(of: r)
        append(r.completedAt)
        append(r.result)
        append(r.errors)
        append(r.costUSD)
    }
}
