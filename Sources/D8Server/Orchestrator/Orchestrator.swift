import D8Core
import D8Postgres
import D8Store
import Foundation
import Logging
import NIOPosix
import Synchronization

/// The orchestrator: the `Scheduler` (every rule, as a value) behind one lock, and the I/O its
/// decisions call for. Each event runs the scheduler under the lock and queues the store writes
/// it returns there too, so the store sees changes in the order they happened; wake-ups, waits
/// for durability and answers happen outside the lock.
final class Orchestrator: Sendable {
    let config: D8Config
    let store: any TaskStorage
    /// The shared database when this orchestrator is one node of a cluster (`store: postgres`).
    let cluster: PostgresStore?
    /// Rung when this node may have to claim tasks from the shared queue (see `feed`).
    let feederBell = Doorbell()
    let logger: Logger
    let metrics = OrchestratorMetrics()
    /// Front-door requests waiting on each open connection.
    let hangUps = HangUpWatch()
    let core: Mutex<Core>

    /// The scheduler and the sleeping requests its decisions wake.
    struct Core {
        var scheduler: Scheduler
        /// Long-polls waiting for work, by the scheduler's waiter id.
        var sleepers: [Scheduler.WaiterID: WakeSignal] = [:]
        /// Clients waiting for a task to finish (`GET /api/tasks/status/{id}?wait=`).
        var watches: [String: [TaskWatch]] = [:]
        /// Clients waiting for a job's last task (`GET /api/jobs/{id}?wait=`), by job id.
        var jobWatches: [String: [TaskWatch]] = [:]
        /// Streamed tasks' answers on their way from the worker to the front door, by task id.
        var streams: [String: TaskStream] = [:]
    }

    /// `pluginDescriptions`: what the worker types' plugins here say of themselves, so that
    /// ceilings and budgets know prices before any worker registers.
    init(config: D8Config, store: any TaskStorage, logger: Logger, pluginDescriptions: [String: JSONValue] = [:]) async throws {
        self.config = config
        self.store = store
        self.cluster = store as? PostgresStore
        self.logger = logger
        let now = Self.epochNow()
        var scheduler = Scheduler(
            config: config, budget: try await Self.budgetBook(config: config, store: store, now: now),
            tally: TaskTally(seed: try await store.statistics(sampleLimit: TaskTally.samplesKept, client: nil)),
            leasePrefix: cluster?.nodeID ?? String(UUID().uuidString.lowercased().prefix(13)), seed: UInt64.random(in: 1...UInt64.max))
        scheduler.tally.seed(minutes: try await store.throughput(since: now - 3600, client: nil))
        // Before the recovered tasks are routed.
        for (type, description) in pluginDescriptions { scheduler.prices.learn(type, description: description) }
        if let cluster {
            // A node recovers nothing itself: what a dead node held returns to the shared queue,
            // and the maintainer decides what needs deciding (see `maintain`).
            scheduler.useSeqs(try await cluster.seqBlock())
            core = Mutex(Core(scheduler: scheduler))
            return
        }
        scheduler.nextSeq = try await store.maxSeq() + 1
        let (pending, effects) = scheduler.recover(try await store.unfinished(), now: now) { (try? JSONValue.parse($0)) ?? [:] }
        store.enqueue(effects.writes)
        core = Mutex(Core(scheduler: scheduler))
        if pending > 0 || !effects.writes.isEmpty {
            logger.info("recovered tasks from the store", metadata: ["pending": "\(pending)", "requeued": "\(effects.writes.count)"])
        }
    }

    /// Runs one event: the scheduler decides, its writes are queued in order, and the long-polls
    /// it names are woken. The caller carries out the rest (`settle`).
    func event<T>(_ body: (inout Scheduler) throws(APIError) -> (T, SchedulerEffects)) throws(APIError) -> (T, SchedulerEffects) {
        let (value, effects, woken) = try core.withLock { core throws(APIError) in
            let (value, effects) = try body(&core.scheduler)
            store.enqueue(effects.writes)
            store.enqueueSpend(effects.spends)
            let woken = effects.wake.compactMap { core.sleepers.removeValue(forKey: $0) }
            return (value, effects, woken)
        }
        for signal in woken { signal.fire() }
        if !effects.notices.isEmpty || !effects.finished.isEmpty { log(effects) }
        if config.server.metrics, !effects.observations.isEmpty || !effects.finished.isEmpty { record(effects) }
        return (value, effects)
    }

    /// The rest of an event's effects: when the scheduler asked, waits until its writes are
    /// durable; then answers the clients waiting for tasks that finished, from memory, and lets
    /// the scheduler forget them (the store answers for them from now on).
    func settle(_ effects: SchedulerEffects) async throws(APIError) {
        if effects.mustFlush || !effects.finished.isEmpty { try await flush() }
        guard !effects.finished.isEmpty else { return }
        // In a cluster, an end the database refused (another node decided first) is no answer:
        // its clients follow the task in the database instead.
        let refused = effects.finished.filter { cluster?.isLost($0.seq) == true }
        if !refused.isEmpty { forgetTakenOver(Set(refused.map(\.seq))) }
        let (taskWatches, jobWatches) = core.withLock { core in
            var fired: [(TaskWatch, TaskRecord)] = []
            var jobsDone: [TaskWatch] = []
            for record in effects.finished where !refused.contains(where: { $0.seq == record.seq }) {
                core.scheduler.forget(record.seq)
                for watch in core.watches.removeValue(forKey: record.taskID) ?? [] { fired.append((watch, record)) }
                core.streams.removeValue(forKey: record.taskID)?.finish(record)
                if let job = record.jobID, core.scheduler.jobIsFinished(job) { jobsDone += core.jobWatches.removeValue(forKey: job) ?? [] }
            }
            return (fired, jobsDone)
        }
        for (watch, record) in taskWatches { watch.finish(record) }
        for watch in jobWatches { watch.signal.fire() }
    }

    /// Waits until every write queued so far is committed.
    func flush() async throws(APIError) {
        do { try await store.flush() } catch {
            logger.error("store write failed", metadata: ["error": "\(error)"])
            throw Self.storeFailure(error, "the task store refused the write")
        }
    }

    /// A store read (each store keeps its own blocking off the caller's thread).
    func read<T: Sendable>(_ body: (any TaskStorage) async throws -> T) async throws(APIError) -> T {
        do { return try await body(store) } catch {
            throw Self.storeFailure(error, "the task store cannot be read")
        }
    }

    /// A store error as the API answers it: a database that cannot answer now is a 503 to retry.
    static func storeFailure(_ error: any Error, _ what: String) -> APIError {
        if let error = error as? APIError { return error }
        if let error = error as? StoreError, error.isUnavailable { return APIError(.storeUnavailable, "\(what): \(error)", retryAfter: 1) }
        return APIError(.shuttingDown, "\(what): \(error)")
    }

    static func budgetBook(config: D8Config, store: any TaskStorage, now: Double) async throws -> BudgetBook {
        let clientLimits = Dictionary(config.auth.clientKeys.compactMap { key in key.dailyBudgetUSD.map { (key.name, $0) } }) { a, _ in a }
        var book = BudgetBook(config: config.budgets, clientLimits: clientLimits, now: now)
        let dayStart = Double(book.day) * 86_400 - Double(config.budgets.utcOffsetMinutes) * 60
        for entry in try await store.spend(since: dayStart) { book.spend(entry.usd, client: entry.client, workerType: entry.workerType) }
        return book
    }

    /// Unix epoch seconds, as D8 reported times.
    static func epochNow() -> Double { Date().timeIntervalSince1970 }
}
