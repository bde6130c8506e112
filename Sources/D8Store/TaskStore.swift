internal import Foundation
import Dispatch
public import D8Core
public import Logging
import Synchronization

/// The durable task store: one SQLite database, `<directory>/d8.sqlite`, in WAL mode.
///
/// The orchestrator keeps live task state in memory and writes every change through here; on
/// start it rebuilds its queues from `unfinished()`. Writes go through a single writer thread with
/// group commit (see `GroupCommitWriter`); reads use a second connection, which WAL lets run
/// while the writer commits, and see only committed rows.
public final class TaskStore: Sendable {
    /// The database file.
    public let path: String
    let logger: Logger
    let writer: GroupCommitWriter
    /// nil once closed.
    private let reader: Mutex<SQLiteConnection?>
    private let readQueue = DispatchQueue(label: "d8.store.reader")

    /// Creates `directory` if needed and opens (or creates) the database in it.
    public init(directory: String, durability: Durability = .disk, logger: Logger) throws(StoreError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .directory(directory, reason: "it exists and is not a directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .directory(directory, reason: "\(error)")
        }
        let path = URL(fileURLWithPath: directory).appendingPathComponent("d8.sqlite").path
        let writerConnection = try SQLiteConnection(path: path, readOnly: false)
        try Self.prepareWriter(writerConnection, durability: durability)
        // Opened after the writer has switched the file to WAL and created the schema.
        let readerConnection = try SQLiteConnection(path: path, readOnly: true)
        try Self.prepareReader(readerConnection)

        self.path = path
        self.logger = logger
        self.writer = GroupCommitWriter(connection: writerConnection, syncsEveryCommit: durability == .disk, logger: logger)
        self.reader = Mutex(readerConnection)
        logger.info("task store opened", metadata: ["path": "\(path)"])
    }

    deinit { writer.stop() }

    /// Inserts or overwrites (by seq, every column) each record. Returns once they are committed
    /// and fsync'd, together with whatever other writes were pending. The records of one call
    /// are written all or none: one refused record (a taken task id or idempotency key) fails
    /// the call without touching other callers' writes.
    public func write(_ records: [TaskRecord]) async throws(StoreError) {
        try await write(records.map(TaskChange.insert))
    }

    /// Applies `changes` in one group commit and returns once they are durable (all or none).
    public func write(_ changes: [TaskChange]) async throws(StoreError) {
        _ = try await writer.perform(apply(changes))
    }

    /// `write` without waiting (used for leases): applied in call order relative to every other
    /// write; a failure is logged. `flush()` waits for it.
    public func enqueueWrite(_ records: [TaskRecord]) {
        enqueue(records.map(TaskChange.insert))
    }

    /// Queues `changes` without waiting, in call order relative to every other write.
    public func enqueue(_ changes: [TaskChange]) {
        guard !changes.isEmpty else { return }
        if !writer.performLater(apply(changes)) {
            logger.error("task store write after close dropped", metadata: ["changes": "\(changes.count)"])
        }
    }

    /// Returns once everything enqueued before it is committed.
    public func flush() async throws(StoreError) {
        _ = try await writer.perform(nil)
    }

    /// Deletes completed, failed, cancelled and dead tasks whose `completedAt` is before `cutoff`;
    /// returns how many.
    public func prune(finishedBefore cutoff: Double) async throws(StoreError) -> Int {
        try await pruneCounted(finishedBefore: cutoff).reduce(0) { $0 + $1.count }
    }

    /// `prune`, telling what it deleted by task type, status and worker type (for the counters
    /// kept in memory).
    public func pruneCounted(finishedBefore cutoff: Double) async throws(StoreError) -> [PrunedTasks] {
        let condition = "completed_at < ?1 AND status IN (\(TaskRecord.Status.finished.indices.map { "?\($0 + 2)" }.joined(separator: ", ")))"
        let parameters = [SQLiteValue.real(cutoff)] + TaskRecord.Status.finished.map { SQLiteValue.text($0.rawValue) }
        let counted = "SELECT type, status, worker_type, COUNT(*), TOTAL(cost_usd), SUM(cached_from IS NOT NULL), TOTAL(saved_usd) FROM tasks WHERE \(condition) GROUP BY 1, 2, 3"
        let deleted = Mutex<[PrunedTasks]>([])
        _ = try await writer.perform { db throws(StoreError) in
            var rows: [PrunedTasks] = []
            try db.withStatement(counted) { row throws(StoreError) in
                try row.bind(parameters)
                while try row.step() {
                    guard let status = TaskRecord.Status(rawValue: row.text(1)) else { continue }
                    rows.append(PrunedTasks(type: row.text(0), status: status, workerType: row.optionalText(2), count: Int(row.integer(3)), costUSD: row.real(4),
                                             cacheHits: Int(row.integer(5)), savedUSD: row.real(6)))
                }
            }
            try db.withStatement("DELETE FROM tasks WHERE \(condition)") { statement throws(StoreError) in
                try statement.bind(parameters)
                _ = try statement.step()
            }
            // A job goes with the last of its tasks.
            try db.withStatement("DELETE FROM jobs WHERE created_at < ?1 AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.job_id = jobs.job_id)") { statement throws(StoreError) in
                try statement.bind([.real(cutoff)])
                _ = try statement.step()
            }
            // The spending ledger is kept as long as the tasks.
            try db.withStatement("DELETE FROM spend WHERE at < ?1") { statement throws(StoreError) in
                try statement.bind([.real(cutoff)])
                _ = try statement.step()
            }
            deleted.withLock { $0 = rows }
            return rows.count
        }
        return deleted.withLock { $0 }
    }

    /// Transactions committed so far (a measure of group commit: far fewer than writes).
    public var commitCount: Int { writer.commitCount }

    /// Commits what is queued, stops the writer thread and closes both connections. Later
    /// writes and reads throw a "closed" error.
    public func close() async {
        await writer.close()
        reader.withLock { $0 = nil }
        logger.info("task store closed", metadata: ["path": "\(path)"])
    }

    private func apply(_ changes: [TaskChange]) -> GroupCommitWriter.Operation {
        { db throws(StoreError) in
            for change in changes {
                let (sql, values) = try change.statement(path: db.path)
                try db.withStatement(sql) { statement throws(StoreError) in
                    try statement.bind(values)
                    _ = try statement.step()
                }
            }
            return changes.count
        }
    }

    /// Runs `body` on the read connection, one reader at a time, on the store's own reader
    /// queue: a read blocks in SQLite, so it never runs on the caller's (cooperative) thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            readQueue.async {
                continuation.resume(returning: Result { () throws(StoreError) in
                    try self.reader.withLock { connection throws(StoreError) -> T in
                        guard let connection else { throw .closed(path: self.path) }
                        return try body(connection)
                    }
                })
            }
        }
        return try result.get()
    }
}
