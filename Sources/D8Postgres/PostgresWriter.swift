import D8Store
import Logging
import PostgresNIO
import Synchronization

/// Applies writes in the order they are queued, in as few transactions and statements as load
/// allows: while one transaction runs, everything queued meanwhile waits and then goes in the
/// next one (group commit, as the SQLite store does), and the task changes of a batch go in as
/// multi-row statements (`Statements.plan`). When the database refuses a batch (a taken
/// idempotency key, say), each of its writes is tried again alone, so the refusal fails that
/// caller and no other.
///
/// Every change to a task a node holds is fenced by `owner`: a row the fence leaves alone means
/// another node has taken the task over (this node was thought dead, or a worker reported
/// elsewhere), and its seq comes back as lost instead of being written.
final class PostgresWriter: Sendable {
    typealias Operation = @Sendable (PostgresConnection, Statements) async throws -> [UInt64]

    /// What a write does.
    enum Work: Sendable {
        /// Task changes: coalesced with the batch's others into multi-row statements.
        case changes([TaskChange])
        /// Anything else, run in its place in the order.
        case operation(Operation)
        /// `flush`: writes nothing, so it cannot fail inside the transaction.
        case barrier
    }

    private struct Item: Sendable {
        let work: Work
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

    /// Runs `work` in the next transaction and returns once it committed: the seqs it found
    /// lost, or the error that refused it.
    func perform(_ work: Work) async throws(StoreError) -> [UInt64] {
        let result: Result<[UInt64], StoreError> = await withCheckedContinuation { continuation in
            if !enqueue(Item(work: work, waiter: continuation)) {
                continuation.resume(returning: .failure(.closed(path: "postgres")))
            }
        }
        return try result.get()
    }

    /// Returns once everything queued before it is committed.
    func flush() async throws(StoreError) {
        let result: Result<[UInt64], StoreError> = await withCheckedContinuation { continuation in
            if !enqueue(Item(work: .barrier, waiter: continuation)) {
                continuation.resume(returning: .failure(.closed(path: "postgres")))
            }
        }
        _ = try result.get()
    }

    /// Queues `work` without waiting; `perform` of anything later waits for it too.
    @discardableResult
    func performLater(_ work: Work) -> Bool {
        enqueue(Item(work: work, waiter: nil))
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
        let outcomes: [Result<[UInt64], StoreError>]
        do {
            outcomes = try await PostgresStore.withDeadline(deadline, "a write") { [client, logger, statements] in
                let steps = Self.steps(batch, statements)
                // One statement commits on its own: no BEGIN and COMMIT round trips.
                if steps.count == 1, case let .statement(planned) = steps[0], !statements.asynchronousCommit {
                    let lost = try await client.withConnection { try await statements.execute(planned, on: $0) }
                    return Self.outcomes(batch, lost: Set(lost), byOperation: [:])
                }
                return try await client.withTransaction(logger: logger) { connection in
                    try await Self.run(steps, of: batch, on: connection, statements)
                }
            }
        } catch {
            let failure = PostgresStore.storeError(error)
            if !failure.isUnavailable, batch.count > 1 {
                // Refused, not away: one of them, alone, is the reason.
                var retry: [Item] = []
                for item in batch { retry += await commit([item]) }
                return retry
            }
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

    /// What a batch runs, in order: its task changes as planned statements (consecutive
    /// changes of a kind, across writes, as one), its operations in their place.
    private enum Step {
        case statement(Statements.Planned)
        case operation(index: Int, Operation)
    }

    private static func steps(_ batch: [Item], _ statements: Statements) -> [Step] {
        var steps: [Step] = []
        var pending: [TaskChange] = []
        for (index, item) in batch.enumerated() {
            switch item.work {
            case let .changes(changes): pending += changes
            case .barrier: break
            case let .operation(operation):
                steps += statements.plan(pending).map(Step.statement)
                pending.removeAll()
                steps.append(.operation(index: index, operation))
            }
        }
        return steps + statements.plan(pending).map(Step.statement)
    }

    /// The steps in one transaction; each item's outcome.
    private static func run(_ steps: [Step], of batch: [Item], on connection: PostgresConnection, _ statements: Statements) async throws -> [Result<[UInt64], StoreError>] {
        if statements.asynchronousCommit { try await connection.query("SET LOCAL synchronous_commit = off", logger: statements.logger) }
        var lost: Set<UInt64> = []
        var byOperation: [Int: [UInt64]] = [:]
        for step in steps {
            switch step {
            case let .statement(planned): lost.formUnion(try await statements.execute(planned, on: connection))
            case let .operation(index, operation): byOperation[index] = try await operation(connection, statements)
            }
        }
        return outcomes(batch, lost: lost, byOperation: byOperation)
    }

    /// Each item's outcome: the seqs of its own changes found lost, or what its operation found.
    private static func outcomes(_ batch: [Item], lost: Set<UInt64>, byOperation: [Int: [UInt64]]) -> [Result<[UInt64], StoreError>] {
        batch.indices.map { index in
            if let found = byOperation[index] { return .success(found) }
            guard case let .changes(changes) = batch[index].work, !lost.isEmpty else { return .success([]) }
            return .success(changes.compactMap(\.seq).filter { lost.contains($0) })
        }
    }
}
