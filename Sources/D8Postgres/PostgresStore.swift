import D8Core
import D8Store
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The task store a cluster shares: one PostgreSQL database, any number of orchestrators (nodes).
///
/// Each node keeps in memory only the tasks it holds (`owner` is its id): the ones its workers
/// run, and a short prefetch for its waiting long-polls. The rest wait in the shared queue, in
/// claim order, for any node to claim (`claim`). Writes go through `PostgresWriter` (ordered,
/// group-committed, fenced by owner); reads see committed rows. Every database call has a
/// deadline (`postgres.timeout`): a database that is away or slow, or a pool with no free
/// connection, is an error the API answers with 503, never an endless wait.
public final class PostgresStore: TaskStorage, Sendable {
    /// This node's id: the owner it writes, and the prefix of its leases.
    public let nodeID: String
    let client: PostgresClient
    let settings: PostgresSettings
    let writer: PostgresWriter
    let statements: Statements
    let logger: Logger
    private let running: Task<Void, Never>
    /// When the last "new tasks" notification went out, and whether a trailing one is due.
    let notifyState = Mutex(NotifyThrottle())

    /// Connects, applies the schema's missing migrations and starts the pool.
    /// `aging`: the queue's aging period (the weight of a priority level in the claim order).
    /// `budgets`: the budget day's UTC offset, and whether any budget is set (then reservations
    /// are tracked).
    public static func open(
        _ config: PostgresConfig, aging: Double, durability: Durability, budgets: (utcOffsetMinutes: Int, enabled: Bool) = (0, false),
        nodeID: String, logger: Logger
    ) async throws(StoreError) -> PostgresStore {
        let settings = try PostgresSettings(config, durability: durability)
        let client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
        let statements = Statements(
            node: nodeID, priorityWeight: aging > 0 ? aging : 1e9, asynchronousCommit: settings.asynchronousCommit,
            tracksReservations: budgets.enabled, utcOffsetMinutes: budgets.utcOffsetMinutes, logger: logger)
        // One connection first, on its own: a refused or misconfigured database says why at once
        // (the pool would retry quietly until the deadline).
        do {
            let probe = try await PostgresConnection.connect(configuration: settings.connectionConfiguration, id: 0, logger: logger)
            try await probe.close()
        } catch {
            throw storeError(error)
        }
        let store = PostgresStore(client: client, settings: settings, statements: statements, logger: logger)
        do {
            try await withDeadline(settings.connectTimeout, "the schema migration") { try await PostgresSchema.migrate(client, logger: logger) }
        } catch {
            await store.close()
            throw storeError(error)
        }
        logger.info("task store opened", metadata: ["postgres": "\(settings.redactedURL)", "node": "\(nodeID)", "pool": "\(config.pool)"])
        return store
    }

    private init(client: PostgresClient, settings: PostgresSettings, statements: Statements, logger: Logger) {
        self.client = client
        self.settings = settings
        self.nodeID = statements.node
        self.logger = logger
        self.statements = statements
        writer = PostgresWriter(client: client, statements: statements, deadline: settings.timeout, logger: logger)
        running = Task { await client.run() }
    }

    // MARK: Writes

    public func write(_ changes: [TaskChange]) async throws(StoreError) {
        let lost = try await writer.perform(.changes(changes))
        if !lost.isEmpty { throw StoreError.uniqueViolation("task(s) \(lost) are held by another node") }
    }

    public func enqueue(_ changes: [TaskChange]) {
        guard !changes.isEmpty else { return }
        writer.performLater(.changes(changes))
    }

    public func enqueueSpend(_ entries: [SpendEntry]) {
        guard !entries.isEmpty else { return }
        writer.performLater(.operation { connection, statements in
            try await statements.insertSpend(entries, on: connection)
            return []
        })
    }

    public func flush() async throws(StoreError) {
        try await writer.flush()
    }

    /// Seqs that fenced writes found held by another node, found at least `age` ago: drop them.
    /// (Kept a moment first, so that the request whose write it was can ask `isLost`.)
    public func takeLost(olderThan age: Duration = .milliseconds(500)) -> Set<UInt64> {
        let cutoff = ContinuousClock.now - age
        return writer.lost.withLock { lost in
            let old = Set(lost.filter { $0.value <= cutoff }.keys)
            for seq in old { lost[seq] = nil }
            return old
        }
    }

    /// Whether a fenced write of this task was refused lately: another node decided for it.
    public func isLost(_ seq: UInt64) -> Bool {
        writer.lost.withLock { $0[seq] != nil }
    }

    public func pruneCounted(finishedBefore cutoff: Double) async throws(StoreError) -> [PrunedTasks] {
        try await Self.withDeadline(settings.timeout * 6, "pruning") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                var pruned: [PrunedTasks] = []
                let rows = try await connection.query("""
                    DELETE FROM tasks WHERE completed_at < \(cutoff) AND status IN (\(unescaped: TaskRecord.finishedList))
                    RETURNING type, status, worker_type, coalesce(cost_usd, 0), cached_from IS NOT NULL, coalesce(saved_usd, 0)
                    """, logger: logger)
                var counted: [String: PrunedTasks] = [:]
                for try await (type, status, workerType, cost, cached, saved) in rows.decode((String, String, String?, Double, Bool, Double).self) {
                    guard let status = TaskRecord.Status(rawValue: status) else { continue }
                    let key = "\(type)\u{0}\(status.rawValue)\u{0}\(workerType ?? "")"
                    let old = counted[key]
                    counted[key] = PrunedTasks(
                        type: type, status: status, workerType: workerType, count: (old?.count ?? 0) + 1, costUSD: (old?.costUSD ?? 0) + cost,
                        cacheHits: (old?.cacheHits ?? 0) + (cached ? 1 : 0), savedUSD: (old?.savedUSD ?? 0) + saved)
                }
                pruned = Array(counted.values)
                try await connection.query("DELETE FROM jobs WHERE created_at < \(cutoff) AND NOT EXISTS (SELECT 1 FROM tasks WHERE tasks.job_id = jobs.job_id)", logger: logger)
                try await connection.query("DELETE FROM spend WHERE at < \(cutoff)", logger: logger)
                try await connection.query("DELETE FROM completions WHERE at < \(cutoff)", logger: logger)
                return pruned
            }
        }
    }

    public func close() async {
        await writer.close()
        running.cancel()
        await running.value
        logger.info("task store closed", metadata: ["postgres": "\(settings.redactedURL)"])
    }

    /// The URL with its password hidden, for messages.
    public static func redact(_ url: String) -> String { PostgresSettings.redact(url) }

    // MARK: Deadlines and errors

    /// Runs `operation`, or fails when `deadline` passes first. The caller is answered on time
    /// even when the operation ignores its cancellation (a driver waiting for a connection that
    /// never comes): it runs on in a task of its own, cancelled, and its late result is dropped.
    static func withDeadline<T: Sendable>(_ deadline: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let work = Mutex<Task<Void, Never>?>(nil)
            let timer = Task {
                try? await Task.sleep(for: deadline)
                guard !Task.isCancelled else { return }
                let seconds = deadline.seconds.formatted(.number.precision(.fractionLength(0...1)))
                if answer.give(.failure(.unavailable(
                    "\(what) took longer than \(seconds) s (a database that is away or slow, or no free connection in the pool)"))) {
                    work.withLock { $0 }?.cancel()
                }
            }
            work.withLock { work in
                work = Task {
                    do { answer.give(.success(try await operation())) } catch { answer.give(.failure(storeError(error))) }
                    timer.cancel() // answered: no task stays asleep for the rest of the deadline
                }
            }
        }
        return try result.get()
    }

    /// What an error of the driver means to d8: a refused row, a database that cannot answer
    /// now (worth a retry), or a statement the database rejected.
    static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? PostgresTransactionError {
            return storeError(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? CancellationError())
        }
        guard let error = error as? PSQLError else {
            if error is CancellationError { return .unavailable("the operation was cancelled") }
            return .unavailable("\(error)")
        }
        guard let info = error.serverInfo, let state = info[.sqlState] else {
            return .unavailable(error.underlying.map { "\(error.code): \($0)" } ?? "\(error.code)")
        }
        let message = info[.message] ?? "\(error.code)"
        if state == "23505" { return .uniqueViolation("PostgreSQL refused a duplicate: \(message)") }
        // 08: connection exceptions; 57P: the server is shutting down or starting; 53: out of resources.
        if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") { return .unavailable("\(message) (SQLSTATE \(state))") }
        // 28: the login; 3D: no such database.
        if state.hasPrefix("28") || state.hasPrefix("3D") { return .schema("PostgreSQL refused the connection: \(message) (SQLSTATE \(state))", path: "postgres") }
        return .schema("PostgreSQL refused a statement: \(message) (SQLSTATE \(state))", path: "postgres")
    }
}

/// Resumes a continuation with the first of several answers; later ones are dropped.
final class FirstAnswer<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, Never>?>

    init(_ continuation: CheckedContinuation<T, Never>) { self.continuation = Mutex(continuation) }

    /// true when this was the first answer.
    @discardableResult
    func give(_ value: T) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(returning: value)
        return true
    }
}

/// At most one "new tasks" notification per interval per node (NOTIFY takes a database-wide
/// lock at commit), with a trailing one so the last burst is not missed.
struct NotifyThrottle {
    var last = ContinuousClock.now - .seconds(1)
    var trailingDue = false
}
