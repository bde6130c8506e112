import D8Core
import D8Store

/// The orchestrator's rules as a value: tasks, lanes, workers and their slots, leases, budgets
/// and the long-polls waiting for work. Events come in with the time (submit, lease, result,
/// heartbeat, tick, worker gone); what must happen outside — store writes, wake-ups, answers —
/// comes back as `SchedulerEffects` for the owner to carry out. No clocks, locks or I/O here,
/// so every rule is tested as a plain value (see `SchedulerTests`).
struct Scheduler: Sendable {
    typealias WaiterID = UInt64

    /// A long-poll waiting for work.
    struct Waiter: Sendable {
        let id: WaiterID
        let workerID: String
        let generation: UInt64
        let deadline: Double
    }

    let config: D8Config
    /// Live tasks by seq. A change of status goes through `put`, which keeps the counts.
    var tasks: [UInt64: LiveTask] = [:]
    private(set) var seqByTaskID: [String: UInt64] = [:]
    var seqByIdempotencyKey: [IdempotencyScope: UInt64] = [:]
    var lanes: [Lane.Key: LaneQueue] = [:]
    var lanesByWorkerType: [String: [Lane.Key]] = [:]
    var workers: [String: WorkerState] = [:]
    /// Free slots of online workers, by worker type: what spill decisions ask.
    var freeSlotsByType: [String: Int] = [:]
    var waiters: [Waiter] = []
    /// Task types an operator paused: their tasks wait in their queues, none is handed out.
    var paused: Set<String> = []
    /// Assigned tasks, watched for lease expiry.
    var leased: Set<UInt64> = []
    /// Pending but out of the queues until `notBefore` (a retry's backoff).
    var parked: Set<UInt64> = []
    /// Waiting for a budget or a known price.
    var held: Set<UInt64> = []
    /// Tasks holding budget reservations.
    var reserving: Set<UInt64> = []
    /// Unfinished tasks of each job: a job leaves when its last task finishes.
    var jobs: [String: Set<UInt64>] = [:]
    /// Pending and held tasks with a deadline, watched by `expireOverdue`.
    var withDeadline: Set<UInt64> = []
    var prices: PriceBook
    var budget: BudgetBook
    /// Run times by worker type, for the `fastest` strategy.
    var runTimes: [String: RunTimes] = [:]
    /// Live tasks by status, kept as they change: what `/health` reads.
    private(set) var liveCounts: [TaskRecord.Status: Int] = [:]
    /// Every task's outcome since start (seeded from the store): what `/api/stats` reads.
    var tally: TaskTally
    var nextSeq: UInt64
    /// The end of the seqs this scheduler may hand out: a cluster node numbers from blocks the
    /// database gives it; one orchestrator alone has no end.
    var seqLimit = UInt64.max
    /// A cluster node (`store: postgres`): it holds only the tasks its own workers take; new
    /// tasks wait in the database's shared queue until a node claims them.
    var shared: Bool { config.server.store == .postgres }
    var nextGeneration: UInt64 = 1
    var nextWaiterID: WaiterID = 1
    var shuttingDown = false
    /// Leases are `<prefix>-<n>`: unique within this process, and the prefix differs per process,
    /// so a lease from before a restart never matches one handed out after it.
    let leasePrefix: String
    var nextLease: UInt64 = 1
    /// For retry jitter; seeded, so tests are repeatable.
    var random: SplitMix64

    init(
        config: D8Config, budget: BudgetBook, tally: TaskTally = TaskTally(), nextSeq: UInt64 = 1,
        leasePrefix: String, seed: UInt64
    ) {
        self.config = config
        self.leasePrefix = leasePrefix
        self.random = SplitMix64(seed: seed)
        self.prices = PriceBook(config: config)
        self.budget = budget
        self.tally = tally
        self.nextSeq = nextSeq
    }

    var taskTimeout: Double { config.queue.taskTimeout.seconds }
    var aging: Double { config.queue.aging.seconds }

    func task(seq: UInt64) -> LiveTask? { tasks[seq] }
    func task(id: String) -> LiveTask? { seqByTaskID[id].flatMap { tasks[$0] } }
    func seq(idempotencyKey key: IdempotencyScope) -> UInt64? { seqByIdempotencyKey[key] }
    var liveTaskCount: Int { tasks.count }

    /// Stores a changed task, keeping the counts by status.
    /// `recovered`: read back from the store at start, where the tally already counts it.
    mutating func put(_ live: LiveTask, recovered: Bool = false) {
        let seq = live.record.seq
        let old = tasks[seq]?.record.status
        if let old { liveCounts[old, default: 0] -= 1 } else {
            seqByTaskID[live.record.taskID] = seq
            if let key = live.record.idempotencyScope { seqByIdempotencyKey[key] = seq }
        }
        liveCounts[live.record.status, default: 0] += 1
        if !(recovered && old == nil) { tally.moved(live.record.type, from: old, to: live.record.status) }
        if live.record.status.isFinished, old.map({ !$0.isFinished }) ?? true { tally.finished(live.record) }
        if let job = live.record.jobID { track(seq, inJob: job, finished: live.record.status.isFinished) }
        if live.record.deadline != nil {
            if live.record.status.waitsForLease { withDeadline.insert(seq) } else { withDeadline.remove(seq) }
        }
        tasks[seq] = live
    }

    /// Forgets a finished task whose write is committed: from now on the store answers for it.
    mutating func forget(_ seq: UInt64) {
        guard let live = tasks[seq], live.record.status.isFinished else { return }
        liveCounts[live.record.status, default: 0] -= 1
        tasks[seq] = nil
        seqByTaskID[live.record.taskID] = nil
        if let key = live.record.idempotencyScope { seqByIdempotencyKey[key] = nil }
        compactIfSparse()
    }

    func count(_ status: TaskRecord.Status) -> Int { liveCounts[status, default: 0] }

    /// Removes every trace of a live task from memory (a cluster node lets go of it, or another
    /// node took it over): its slot, lane, reservations and indexes. Nothing is written.
    @discardableResult
    mutating func evict(_ seq: UInt64) -> LiveTask? {
        guard var live = tasks[seq] else { return nil }
        if let worker = live.record.assignedTo, workers[worker]?.held.contains(seq) == true { updateWorker(worker) { $0.held.remove(seq) } }
        dequeue(&live)
        leased.remove(seq)
        parked.remove(seq)
        held.remove(seq)
        withDeadline.remove(seq)
        releaseReservations(of: &live)
        if let job = live.record.jobID { track(seq, inJob: job, finished: true) }
        liveCounts[live.record.status, default: 0] -= 1
        tasks[seq] = nil
        seqByTaskID[live.record.taskID] = nil
        if let key = live.record.idempotencyScope, seqByIdempotencyKey[key] == seq { seqByIdempotencyKey[key] = nil }
        return live
    }

    mutating func newLease() -> String {
        defer { nextLease += 1 }
        return "\(leasePrefix)-\(nextLease)"
    }

    /// Changes a worker, keeping the free slots by worker type.
    mutating func updateWorker(_ id: String, _ change: (inout WorkerState) -> Void) {
        guard var worker = workers[id] else { return }
        freeSlotsByType[worker.workerType, default: 0] -= worker.freeSlots
        change(&worker)
        freeSlotsByType[worker.workerType, default: 0] += worker.freeSlots
        workers[id] = worker
    }

    /// Dictionaries never shrink by themselves: once a drained backlog leaves one mostly empty,
    /// copy it, so its memory goes back.
    private mutating func compactIfSparse() {
        guard tasks.capacity > 4096, tasks.count * 8 < tasks.capacity else { return }
        tasks = Dictionary(uniqueKeysWithValues: tasks.map { ($0, $1) })
        seqByTaskID = Dictionary(uniqueKeysWithValues: seqByTaskID.map { ($0, $1) })
        seqByIdempotencyKey = Dictionary(uniqueKeysWithValues: seqByIdempotencyKey.map { ($0, $1) })
        leased = Set(leased.map { $0 })
        parked = Set(parked.map { $0 })
        held = Set(held.map { $0 })
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
