import D8Core
import D8Store
import Foundation
import Logging
import Synchronization

/// The heart of d8: tasks, workers, leases and the long-polls waiting for work.
///
/// Ordering lives in the lock-free CCore queues (one per lane: a task type and the worker types
/// its tasks may go to, see `Lane`) and slot accounting in the
/// CCore worker table, both touched without a lock. The rest of the live state — the unfinished
/// tasks, the workers' details, the waiting long-polls — sits behind one mutex, held only for
/// dictionary updates, never across an await. Every change of a task goes to the durable store.
final class Orchestrator: Sendable {
    let config: D8Config
    let store: TaskStore
    let logger: Logger
    let workerTable: WorkerTable
    let state: Mutex<State>
    private let nextSeq: Atomic<UInt64>
    private let started = ContinuousClock.now

    struct State {
        var tasks: [UInt64: LiveTask] = [:]       // pending, assigned and delayed tasks
        var leased: Set<UInt64> = []               // assigned: watched for lease expiry
        var parked: Set<UInt64> = []               // pending but out of the queue: a retry delay or a full queue
        var seqByTaskID: [String: UInt64] = [:]
        var seqByIdempotencyKey: [String: UInt64] = [:]
        var workers: [String: WorkerEntry] = [:]
        var workerIDByKey: [UInt64: String] = [:]
        var waiters: [Waiter] = []
        var watches: [TaskWatch] = []             // clients waiting for a task to finish
        var lanes: [Lane.Key: Lane] = [:]
        var lanesByWorkerType: [String: [Lane]] = [:]
        var held: Set<UInt64> = []                 // waiting for budget or for an eligible worker type
        var reserving: Set<UInt64> = []            // tasks holding budget reservations
        var prices: PriceBook
        var budget: BudgetBook
        var runTimes: [String: RunTimes] = [:]     // by worker type, for `fastest`
        var nextWorkerKey: UInt64 = 1
        var shuttingDown = false
    }

    /// `pluginDescriptions`: what the worker types' plugins here say of themselves (see
    /// `RouteReport`), so that ceilings and budgets know prices before any worker registers.
    init(config: D8Config, store: TaskStore, logger: Logger, pluginDescriptions: [String: JSONValue] = [:]) throws {
        self.config = config
        self.store = store
        self.logger = logger
        workerTable = try WorkerTable(capacity: 65_536, typeCount: max(1, config.workerTypes.count))
        state = Mutex(State(prices: PriceBook(config: config), budget: try Self.budgetBook(config: config, store: store)))
        nextSeq = Atomic(try store.maxSeq() + 1)
        state.withLock { state in // before the recovered tasks are routed
            for (type, description) in pluginDescriptions { state.prices.learn(type, description: description) }
        }
        try recover()
    }

    /// Rebuilds the queues from the store. Tasks leased when the last process died go back to
    /// the queue: their worker may still finish, but its result no longer holds a lease.
    private func recover() throws {
        let now = Self.epochNow()
        var requeued: [TaskRecord] = []
        var pending = 0
        for var record in try store.unfinished() {
            if record.status == .assigned {
                record.appendError("the orchestrator restarted while this attempt was leased", worker: record.assignedTo, at: now)
                if record.attempt >= record.maxAttempts {
                    record.finish(.dead, at: now)
                    requeued.append(record)
                    continue
                }
                record.returnToQueue()
                requeued.append(record)
            }
            guard record.status == .pending || record.status == .held else { continue }
            state.withLock { state in
                var live = LiveTask(record: record)
                live.plan = plan(live, in: state)
                if let reserved = record.reservedUSD, reserved > 0, let until = record.reservedUntil, until > now {
                    live.reservations = [Reservation(workerType: record.workerType ?? "", usd: reserved, until: until)]
                    state.budget.reserve(reserved, client: record.client, workerType: record.workerType ?? "")
                    state.reserving.insert(record.seq)
                }
                state.tasks[record.seq] = live
                state.seqByTaskID[record.taskID] = record.seq
                if let key = record.idempotencyKey { state.seqByIdempotencyKey[key] = record.seq }
                if record.status == .held || live.plan.candidates.isEmpty {
                    state.held.insert(record.seq) // looked at again by the maintenance loop
                } else if record.notBefore != nil {
                    state.parked.insert(record.seq)
                } else {
                    pushOrPark(record.seq, in: &state)
                }
            }
            pending += 1
        }
        store.enqueueWrite(requeued)
        if pending > 0 || !requeued.isEmpty {
            logger.info("recovered tasks from the store", metadata: ["pending": "\(pending)", "requeued": "\(requeued.count)"])
        }
    }

    /// Puts a pending task in its lane's queue. A full queue parks it (it stays pending and the
    /// maintenance loop retries), so a task already accepted is never dropped.
    func pushOrPark(_ record: TaskRecord) {
        state.withLock { state in pushOrPark(record.seq, in: &state) }
    }

    /// The same, for callers that hold the lock.
    func pushOrPark(_ seq: UInt64, in state: inout State) {
        guard let live = state.tasks[seq] else { return }
        do {
            let lane = try lane(for: live, in: &state)
            try lane.queue.push(seq, priority: live.record.priority, now: ticks())
            state.tasks[seq]?.lane = lane
        } catch {
            logger.warning("queue full; task parked until there is room", metadata: ["task_id": "\(live.record.taskID)"])
            state.parked.insert(seq)
        }
    }

    func allocateSeq() -> UInt64 { nextSeq.add(1, ordering: .relaxed).oldValue }

    /// Milliseconds since start: the CCore clock for aging and heartbeats.
    func ticks() -> UInt64 {
        UInt64((ContinuousClock.now - started).milliseconds)
    }

    /// Unix epoch seconds, as D8 reported times.
    static func epochNow() -> Double { Date().timeIntervalSince1970 }

    var workerTimeoutMillis: UInt64 { UInt64(config.queue.workerTimeout.milliseconds) }
    var taskTimeoutSeconds: Double { config.queue.taskTimeout.seconds }
}
