internal import Foundation
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
        self.writer = GroupCommitWriter(connection: writerConnection, logger: logger)
        self.reader = Mutex(readerConnection)
        logger.info("task store opened", metadata: ["path": "\(path)"])
    }

    deinit { writer.stop() }

    /// Inserts or overwrites (by seq, every column) each record. Returns once they are committed
    /// and fsync'd, together with whatever other writes were pending. The records of one call
    /// are written all or none: one refused record (a taken task id or idempotency key) fails
    /// the call without touching other callers' writes.
    public func write(_ records: [TaskRecord]) async throws(StoreError) {
        _ = try await writer.perform(upsert(records))
    }

    /// `write` without waiting (used for leases): applied in call order relative to every other
    /// write; a failure is logged. `flush()` waits for it.
    public func enqueueWrite(_ records: [TaskRecord]) {
        if !writer.performLater(upsert(records)) {
            logger.error("task store write after close dropped", metadata: ["records": "\(records.count)"])
        }
    }

    /// Returns once everything enqueued before it is committed.
    public func flush() async throws(StoreError) {
        _ = try await writer.perform(nil)
    }

    /// Deletes completed, failed, cancelled and dead tasks whose `completedAt` is before `cutoff`;
    /// returns how many.
    public func prune(finishedBefore cutoff: Double) async throws(StoreError) -> Int {
        let sql = "DELETE FROM tasks WHERE completed_at < ?1 AND status IN (?2, ?3, ?4, ?5)"
        let statuses = TaskStatus.finished.map { SQLiteValue.text($0.rawValue) }
        return try await writer.perform { db throws(StoreError) in
            try db.withStatement(sql) { statement throws(StoreError) in
                try statement.bind([.real(cutoff)] + statuses)
                _ = try statement.step()
            }
            let deleted = db.changes
            // The spending ledger is kept as long as the tasks.
            try db.withStatement("DELETE FROM spend WHERE at < ?1") { statement throws(StoreError) in
                try statement.bind([.real(cutoff)])
                _ = try statement.step()
            }
            return deleted
        }
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

    private func upsert(_ records: [TaskRecord]) -> GroupCommitWriter.Operation {
        { db throws(StoreError) in
            for record in records {
                try db.withStatement(TaskRecord.upsert) { statement throws(StoreError) in
                    try statement.bind(record.bindings(path: db.path))
                    _ = try statement.step()
                }
            }
            return records.count
        }
    }

    /// Runs `body` on the read connection, one reader at a time.
    func read<T: Sendable>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try reader.withLock { connection throws(StoreError) -> T in
            guard let connection else { throw .closed(path: path) }
            return try body(connection)
        }
    }
}
