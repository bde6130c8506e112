internal import Foundation
import Logging
import Synchronization

/// Applies every change on one dedicated thread with group commit: the thread takes all the
/// requests pending at that moment, applies them in one transaction, commits (one fsync), and
/// only then resumes their callers. A burst of writes therefore costs a handful of commits.
///
/// A group nobody waits for (writes queued with `performLater`: leases, heartbeats' bookkeeping)
/// promised no durability, so with `synchronous = FULL` it commits without its own fsync; the
/// next commit somebody waits for fsyncs the write-ahead log, and with it every frame before.
// @unchecked Sendable: `pending`, `phase` and `closeWaiters` are touched only under `condition`,
// and `connection` only on the writer thread.
final class GroupCommitWriter: @unchecked Sendable {
    /// A change to make inside the group's transaction; returns a count for the caller (rows).
    typealias Operation = @Sendable (SQLiteConnection) throws(StoreError) -> Int
    typealias Completion = CheckedContinuation<Result<Int, StoreError>, Never>

    private struct Request {
        /// nil for a flush or the final close: nothing to apply, only to wait for.
        var operation: Operation?
        /// nil when nobody waits (`performLater`): a failure is then only logged.
        var completion: Completion?
        var closes = false
    }

    private enum Phase { case open, closing, closed }

    private let condition = NSCondition()
    private var pending: [Request] = []
    private var phase = Phase.open
    private var closeWaiters: [Completion] = []
    private var connection: SQLiteConnection?
    private let commits = Atomic<Int>(0)
    private let unsyncedCommits = Atomic<Int>(0)
    private let path: String
    private let logger: Logger
    /// The connection runs `synchronous = FULL`: every commit fsyncs unless told otherwise.
    private let syncsEveryCommit: Bool

    init(connection: SQLiteConnection, syncsEveryCommit: Bool, logger: Logger) {
        self.connection = connection
        self.syncsEveryCommit = syncsEveryCommit
        self.path = connection.path
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "d8-store-writer"
        thread.start()
    }

    /// Transactions committed so far.
    var commitCount: Int { commits.load(ordering: .relaxed) }
    /// Of those, the groups nobody waited for, committed without their own fsync.
    var unsyncedCommitCount: Int { unsyncedCommits.load(ordering: .relaxed) }

    /// Applies `operation` (or nothing: a flush) in the next group and returns its result once
    /// the group is committed.
    func perform(_ operation: Operation?) async throws(StoreError) -> Int {
        let result = await withCheckedContinuation { (completion: Completion) in
            if !enqueue(Request(operation: operation, completion: completion)) {
                completion.resume(returning: .failure(.closed(path: path)))
            }
        }
        return try result.get()
    }

    /// Queues `operation` without waiting for it; false when the writer is closed.
    func performLater(_ operation: @escaping Operation) -> Bool {
        enqueue(Request(operation: operation, completion: nil))
    }

    /// Commits everything queued, stops the thread and closes the connection; returns once done.
    func close() async {
        _ = await withCheckedContinuation { (completion: Completion) in
            condition.lock()
            defer { condition.unlock() }
            switch phase {
            case .open:
                phase = .closing
                pending.append(Request(operation: nil, completion: completion, closes: true))
                condition.signal()
            case .closing: closeWaiters.append(completion)
            case .closed: completion.resume(returning: .success(0))
            }
        }
    }

    /// Like `close` without waiting (for the store's deinit): what is queued is still committed.
    func stop() {
        condition.lock()
        defer { condition.unlock() }
        guard phase == .open else { return }
        phase = .closing
        pending.append(Request(operation: nil, completion: nil, closes: true))
        condition.signal()
    }

    private func enqueue(_ request: Request) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard phase == .open else { return false }
        pending.append(request)
        condition.signal()
        return true
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty { condition.wait() }
            let batch = pending
            pending = []
            condition.unlock()

            let results = commit(batch)
            // Nothing is accepted after a close request, so it can only be the last of a group.
            let closing = batch.last?.closes == true
            var waiters: [Completion] = []
            if closing {
                connection = nil
                condition.lock()
                phase = .closed
                swap(&waiters, &closeWaiters)
                condition.unlock()
            }
            for (request, result) in zip(batch, results) {
                if let completion = request.completion {
                    completion.resume(returning: result)
                } else if case let .failure(error) = result {
                    logger.error("a queued task store write failed", metadata: ["error": "\(error)"])
                }
            }
            for waiter in waiters { waiter.resume(returning: .success(0)) }
            if closing { return }
        }
    }

    /// Applies a group in one transaction and returns each request's result. A request that fails
    /// is rolled back to its savepoint alone; if the transaction itself fails, nothing of the
    /// group is written and every request gets the error.
    private func commit(_ batch: [Request]) -> [Result<Int, StoreError>] {
        guard let db = connection else { return batch.map { _ in .failure(.closed(path: path)) } }
        guard batch.contains(where: { $0.operation != nil }) else { return batch.map { _ in .success(0) } }
        let unawaited = syncsEveryCommit && batch.allSatisfy { $0.completion == nil }
        if unawaited { relax(db, to: "NORMAL") }
        // After the COMMIT or the ROLLBACK: the level is not changed inside a transaction.
        defer { if unawaited { relax(db, to: "FULL") } }
        do throws(StoreError) {
            try db.run("BEGIN IMMEDIATE")
            var results: [Result<Int, StoreError>] = []
            results.reserveCapacity(batch.count)
            for request in batch { results.append(try apply(request.operation, on: db)) }
            try db.run("COMMIT")
            commits.add(1, ordering: .relaxed)
            if unawaited { unsyncedCommits.add(1, ordering: .relaxed) }
            return results
        } catch {
            try? db.execute("ROLLBACK")  // fails harmlessly when SQLite already rolled back
            logger.error("task store commit failed", metadata: ["error": "\(error)", "requests": "\(batch.count)"])
            return batch.map { _ in .failure(error) }
        }
    }

    private func relax(_ db: SQLiteConnection, to level: String) {
        do throws(StoreError) { try db.run("PRAGMA synchronous = \(level)") } catch {
            logger.critical("could not set the task store's synchronous level", metadata: ["level": "\(level)", "error": "\(error)"])
        }
    }

    /// Runs one request inside its own savepoint. Throws only when the savepoint machinery
    /// fails, which dooms the whole transaction.
    private func apply(_ operation: Operation?, on db: SQLiteConnection) throws(StoreError) -> Result<Int, StoreError> {
        guard let operation else { return .success(0) }
        try db.run("SAVEPOINT request")
        do throws(StoreError) {
            let count = try operation(db)
            try db.run("RELEASE request")
            return .success(count)
        } catch {
            try db.run("ROLLBACK TO request")
            try db.run("RELEASE request")
            return .failure(error)
        }
    }
}
