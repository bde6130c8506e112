import D8Store
import Logging
import PostgresNIO
import Synchronization

/// Applies writes in the order they are queued, in as few transactions as load allows: while
/// one transaction runs, everything queued meanwhile waits and then goes in the next one (group
/// commit, as the SQLite store does). A caller that waits (`perform`) gets its own savepoint,
/// so a refused row (a taken idempotency key) fails that call and no other.
///
/// Every change to a task a node holds is fenced by `owner`: a zero-row update means another
/// node has taken the task over (this node was thought dead, or a worker reported elsewhere),
/// and the seq comes back as lost instead of being written.
final class PostgresWriter: Sendable {
    typealias Operation = @Sendable (PostgresConnection, Statements) async throws -> [UInt64]

    private struct Item: Sendable {
        let operation: Operation
        /// `flush`: writes nothing, so it cannot fail inside the transaction.
        var isBarrier = false
        /// nil: queued without waiting (`performLater`).
        let waiter: CheckedContinuation<Result<[UInt64], StoreError>, Never>?
    }

    private struct State {
        var queue: [Item] = []
        var running = false
        var closed = false
    }

    private let state = Mutex(State())
    private let client: PostgresClient
    private let statements: Statements
    private let deadline: Duration
    private let logger: Logger
    /// Seqs of tasks this node no longer holds, found by fenced writes: the orchestrator drops them.
    let lost = Mutex<[UInt64: ContinuousClock.Instant]>([:])

    init(client: PostgresClient, statements: Statements, deadline: Duration, logger: Logger) {
        self.client = client
        self.statements = statements
        self.deadline = deadline
        self.logger = logger
    }

    /// Runs `operation` in the next transaction and returns once it committed: the seqs it found
    /// lost, or the error that refused it.
    func perform(_ operation: @escaping Operation) async throws(StoreError) -> [UInt64] {
        let result: Result<[UInt64], StoreError> = await withCheckedContinuation { continuation in
            if !enqueue(Item(operation: operation, waiter: continuation)) {
                continuation.resume(returning: .failure(.closed(path: "postgres")))
            }
        }
        return try result.get()
    }

    /// Returns once everything queued before it is committed.
    func flush() async throws(StoreError) {
        let result: Result<[UInt64], StoreError> = await withCheckedContinuation { continuation in
            if !enqueue(Item(operation: { _, _ in [] }, isBarrier: true, waiter: continuation)) {
                continuation.resume(returning: .failure(.closed(path: "postgres")))
            }
        }
        _ = try result.get()
    }

    /// Queues `operation` without waiting; `perform` of anything later waits for it too.
    @discardableResult
    func performLater(_ operation: @escaping Operation) -> Bool {
        enqueue(Item(operation: operation, waiter: nil))
    }

    func close() async {
        try? await flush()
        state.withLock { $0.closed = true }
    }

    private func enqueue(_ item: Item) -> Bool {
        let start = state.withLock { state -> Bool? in
            guard !state.closed else { return nil }
            state.queue.append(item)
            guard !state.running else { return false }
            state.running = true
            return true
        }
        guard let start else { return false }
        if start { Task { await self.drain() } }
        return true
    }

    /// Commits batches until the queue is empty. Writes nobody waits for are not given up while
    /// the database is away: they go back to the head of the queue and are tried again (a lost
    /// release would strand a task at a node that no longer holds it in memory).
    private func drain() async {
        var backoff = Duration.milliseconds(50)
        while true {
            let batch = state.withLock { state -> [Item] in
                let batch = state.queue
                state.queue.removeAll()
                if batch.isEmpty { state.running = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            let retry = await commit(batch)
            guard !retry.isEmpty else {
                backoff = .milliseconds(50)
                continue
            }
            state.withLock { $0.queue.insert(contentsOf: retry, at: 0) }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(1))
        }
    }

    /// Returns the writes to try again: those nobody waits for, when the database was away.
    private func commit(_ batch: [Item]) async -> [Item] {
        var outcomes = [Result<[UInt64], StoreError>](repeating: .success([]), count: batch.count)
        let statements = self.statements
        do {
            outcomes = try await PostgresStore.withDeadline(deadline, "a write") { [client, logger] in
                try await client.withTransaction(logger: logger) { connection in
                    var outcomes: [Result<[UInt64], StoreError>] = []
                    // A savepoint (two more round trips) only where a refused write would
                    // otherwise fail other callers' writes too.
                    let alone = batch.count == 1
                    for (index, item) in batch.enumerated() {
                        guard item.waiter != nil, !alone, !item.isBarrier else {
                            outcomes.append(.success(try await item.operation(connection, statements)))
                            continue
                        }
                        try await connection.query("SAVEPOINT \(unescaped: "w\(index)")", logger: logger)
                        do {
                            outcomes.append(.success(try await item.operation(connection, statements)))
                            try await connection.query("RELEASE SAVEPOINT \(unescaped: "w\(index)")", logger: logger)
                        } catch let error as PSQLError where error.serverInfo != nil {
                            try await connection.query("ROLLBACK TO SAVEPOINT \(unescaped: "w\(index)")", logger: logger)
                            outcomes.append(.failure(PostgresStore.storeError(error)))
                        }
                    }
                    return outcomes
                }
            }
        } catch {
            let failure = PostgresStore.storeError(error)
            let unanswered = batch.filter { $0.waiter == nil }
            logger.error("postgres write failed", metadata: [
                "error": "\(failure)", "writes": "\(batch.count)", "kept_to_retry": "\(failure.isUnavailable ? unanswered.count : 0)",
            ])
            for item in batch { item.waiter?.resume(returning: .failure(failure)) }
            return failure.isUnavailable ? unanswered : []
        }
        let lostNow = outcomes.flatMap { (try? $0.get()) ?? [] }
        if !lostNow.isEmpty {
            let now = ContinuousClock.now
            lost.withLock { lost in for seq in lostNow { lost[seq] = now } }
        }
        for (item, outcome) in zip(batch, outcomes) { item.waiter?.resume(returning: outcome) }
        return []
    }
}
