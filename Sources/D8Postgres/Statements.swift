import D8Core
import D8Store
import Foundation
import Logging
import PostgresNIO
import Synchronization

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

    /// Rows per multi-row statement: well under PostgreSQL's 65535 bound parameters.
    static let rowsPerStatement = 500

    static let insertColumns = TaskRecord.columns + ["owner", "rank"]

    /// The columns a fenced update may write, with their SQL types (a `VALUES` list types its
    /// columns from its rows, so each bound value is cast).
    static let columnTypes: [String: String] = [
        "status": "text", "attempt": "integer", "assigned_to": "text", "worker_type": "text", "lease": "text",
        "lease_expires_at": "double precision", "assigned_at": "double precision", "not_before": "double precision",
        "reserved_usd": "double precision", "reserved_until": "double precision", "held_reason": "text",
        "completed_at": "double precision", "result": "text", "errors": "text", "cost_usd": "double precision",
        "rank": "double precision",
    ]

    /// How each kind of fenced change writes: its columns, and what becomes of the owner.
    fileprivate enum Fenced {
        case lease, update, release

        var columns: [String] {
            switch self {
            case .lease: Statements.leaseColumns
            case .update: Statements.updateColumns
            case .release: Statements.updateColumns + ["rank"]
            }
        }

        /// A finished task leaves its owner: nothing holds it any more. A released one is back in the shared queue.
        var owner: String {
            switch self {
            case .lease: "t.owner"
            case .update: "CASE WHEN v.status IN (\(TaskRecord.finishedList)) THEN NULL ELSE t.owner END"
            case .release: "NULL"
            }
        }
    }

    func rank(priority: Int, enqueuedAt: Double) -> Double { enqueuedAt - Double(priority) * priorityWeight }

    /// One statement a batch of changes needs: a change of many tasks, in one round trip and,
    /// when it is a batch's only statement, committed on its own.
    struct Planned: Sendable {
        let query: PostgresQuery
        /// A fenced update's tasks: those it returns no row for are held by another node.
        let fenced: [UInt64]?
    }

    /// The statements that apply `changes` in order: consecutive changes of a kind as one.
    func plan(_ changes: [TaskChange]) -> [Planned] {
        var planned: [Planned] = []
        var index = changes.startIndex
        while index < changes.endIndex {
            if case let .job(job) = changes[index] {
                planned.append(Planned(query: """
                    INSERT INTO jobs (job_id, name, client, created_at, total, deadline)
                    VALUES (\(job.jobID), \(job.name), \(job.client), \(job.createdAt), \(job.total), \(job.deadline))
                    """, fenced: nil))
                index += 1
                continue
            }
            // The run: changes of the first one's kind, each task once (a row updated twice by
            // one statement would take only one of the two).
            let first = changes[index]
            var run: [TaskRecord] = []
            var seqs: Set<UInt64> = []
            while index < changes.endIndex, run.count < Self.rowsPerStatement, changes[index].isSameKind(as: first),
                  let record = changes[index].record, seqs.insert(record.seq).inserted {
                run.append(record)
                index += 1
            }
            switch first {
            case .insert: planned.append(insert(run, held: false))
            case .insertHeld: planned.append(insert(run, held: true))
            case .lease: planned.append(fenced(.lease, run))
            case .update: planned.append(fenced(.update, run))
            case .release: planned.append(fenced(.release, run))
            case .job: break
            }
        }
        return planned
    }

    /// Runs a planned statement; returns the seqs it found held by another node (not written).
    func execute(_ planned: Planned, on connection: PostgresConnection) async throws -> [UInt64] {
        let rows = try await connection.query(planned.query, logger: logger)
        guard let fenced = planned.fenced else { return [] }
        var written: Set<UInt64> = []
        for try await seq in rows.decode(Int64.self) { written.insert(UInt64(seq)) }
        return fenced.filter { !written.contains($0) }
    }

    private func insert(_ records: [TaskRecord], held: Bool) -> Planned {
        var binds = PostgresBindings(capacity: records.count * Self.insertColumns.count + 1)
        for r in records {
            r.appendBindings(to: &binds)
            // In the shared queue (any node may claim it), or this node's.
            binds.append(held && !r.status.isFinished ? node : String?.none)
            binds.append(rank(priority: r.priority, enqueuedAt: r.createdAt))
        }
        // A task finished on arrival (a cache hit) goes in the completion log too.
        let logs = records.contains { $0.status.isFinished }
        if logs { binds.append(node) }
        return Planned(query: PostgresQuery(unsafeSQL: Self.insertSQL(rows: records.count, logsCompletions: logs), binds: binds), fenced: nil)
    }

    /// One fenced `UPDATE` of `records`, with its completion rows and settled reservations.
    private func fenced(_ kind: Fenced, _ records: [TaskRecord]) -> Planned {
        var binds = PostgresBindings(capacity: 1 + records.count * (kind.columns.count + 1))
        binds.append(node)
        for r in records {
            binds.append(Int64(r.seq))
            switch kind {
            case .lease: binds.appendLeaseValues(of: r)
            case .update: binds.appendUpdateValues(of: r)
            case .release:
                binds.appendUpdateValues(of: r)
                binds.append(rank(priority: r.priority, enqueuedAt: max(r.notBefore ?? 0, Self.epochNow())))
            }
        }
        let sql = Self.fencedUpdate(kind, rows: records.count, settlesReservations: tracksReservations)
        return Planned(query: PostgresQuery(unsafeSQL: sql, binds: binds), fenced: records.map(\.seq))
    }

    // MARK: The SQL

    /// The SQL of each statement shape (kind and row count), built once.
    private static let shapes = Mutex<[String: String]>([:])

    private static func shape(_ key: String, _ build: () -> String) -> String {
        if let sql = shapes.withLock({ $0[key] }) { return sql }
        let sql = build()
        shapes.withLock { $0[key] = sql }
        return sql
    }

    /// Rows written by the statement before it (`source`, with task_id, seq, status, attempt and
    /// completed_at) that are finished, into the append-only completion log, whose unique task
    /// id refuses a second completion. `node` is the placeholder of this node's id.
    private static func logCompletions(from source: String, node: String) -> String {
        """
        INSERT INTO completions (task_id, seq, status, attempt, node, at)
        SELECT task_id, seq, status, attempt, \(node), coalesce(completed_at, extract(epoch FROM clock_timestamp()))
        FROM \(source) WHERE status IN (\(TaskRecord.finishedList))
        """
    }

    /// `INSERT` of `rows` whole rows (values from $1, a row after another), and their completion
    /// rows when some are finished (this node's id last).
    static func insertSQL(rows: Int, logsCompletions: Bool) -> String {
        shape("insert/\(rows)/\(logsCompletions)") {
            let insert = "INSERT INTO tasks (\(insertColumns.joined(separator: ", "))) VALUES \(placeholders(rows: rows, columns: insertColumns.count))"
            guard logsCompletions else { return insert }
            let node = "$\(rows * insertColumns.count + 1)::text"
            return "WITH i AS (\(insert) RETURNING task_id, seq, status, attempt, completed_at)\n\(logCompletions(from: "i", node: node))"
        }
    }

    /// `UPDATE` of a kind's columns for `rows` tasks, fenced by owner ($1) and unfinished status
    /// (each row's seq and values from $2, a row after another), with the completion rows of
    /// those it finishes and, with budgets on, the reservations of those that hold none any
    /// more; returns the seqs written. A leased task that no node holds (its node was taken for
    /// dead, but lives) may still be written with its current lease: the lease decides, as it
    /// would for a result elsewhere.
    fileprivate static func fencedUpdate(_ kind: Fenced, rows: Int, settlesReservations: Bool) -> String {
        shape("\(kind)/\(rows)/\(settlesReservations)") {
            let columns = kind.columns
            let sets = (columns.map { "\($0) = v.\($0)" } + ["owner = \(kind.owner)"]).joined(separator: ", ")
            let types = ["bigint"] + columns.map { columnTypes[$0]! }
            let settled = settlesReservations
                ? ",\nsettled AS (DELETE FROM reservations WHERE task_id IN (SELECT task_id FROM u WHERE reserved_usd IS NULL))"
                : ""
            return """
                WITH u AS (
                    UPDATE tasks AS t SET \(sets)
                    FROM (VALUES \(placeholders(rows: rows, columns: types.count, offset: 1, types: types))) AS v(seq, \(columns.joined(separator: ", ")))
                    WHERE t.seq = v.seq AND t.status NOT IN (\(TaskRecord.finishedList))
                    AND (t.owner = $1 OR (t.owner IS NULL AND t.status = 'assigned' AND t.lease = v.lease))
                    RETURNING t.task_id, t.seq, t.status, t.attempt, t.completed_at, t.reserved_usd
                ),
                logged AS (\(logCompletions(from: "u", node: "$1")))\(settled)
                SELECT seq FROM u
                """
        }
    }

    /// "($1, $2), ($3, $4)": `rows` groups of `columns` placeholders from `offset + 1`, each cast
    /// to its type when `types` are given.
    static func placeholders(rows: Int, columns: Int, offset: Int = 0, types: [String]? = nil) -> String {
        (0..<rows).map { row in
            "(" + (0..<columns).map { column in
                let n = offset + row * columns + column + 1
                return types.map { "$\(n)::\($0[column])" } ?? "$\(n)"
            }.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
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

extension TaskChange {
    /// The task a change writes; nil for a job.
    var record: TaskRecord? {
        switch self {
        case let .insert(r), let .insertHeld(r), let .lease(r), let .update(r), let .release(r): r
        case .job: nil
        }
    }

    var seq: UInt64? { record?.seq }

    func isSameKind(as other: TaskChange) -> Bool {
        switch (self, other) {
        case (.insert, .insert), (.insertHeld, .insertHeld), (.lease, .lease), (.update, .update), (.release, .release), (.job, .job): true
        default: false
        }
    }
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
