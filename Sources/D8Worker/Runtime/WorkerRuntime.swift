import D8Client
import D8Core
import Foundation
import Logging

/// One worker process's life: register with the capabilities the plugin describes, long-poll
/// for as many tasks as it has free slots (and rate-limit permits), run each on a slot thread
/// through the plugin, hand each result to the `ResultReporter` (which sends whatever is ready
/// in one request), heartbeat, and survive the orchestrator going away (retry with backoff,
/// register again). Given several orchestrators, the API moves to the next when the one in use
/// stops answering; the same retries then reach the new one, the worker registers there, and
/// results still unsent go there too. `drain()` (SIGTERM) stops leasing, lets in-flight tasks
/// finish up to `drainTimeout`, waits for their results to be sent, then unregisters, which
/// hands back whatever is left.
///
/// Threads, not tasks: a plugin's execute blocks its thread for as long as the provider takes
/// (minutes), which would starve Swift's cooperative pool. Every thread here blocks in libcurl
/// or on `condition`, which guards all the mutable state below.
public final class WorkerRuntime: @unchecked Sendable { // mutable state only under `condition`
    let api: WorkerAPI
    let plugin: PluginInstance
    let capabilities: JSONValue
    let options: WorkerOptions
    let logger: Logger

    private let condition = NSCondition()
    /// Leased tasks waiting for a slot thread; apart from `condition`, so that a new task wakes
    /// one idle slot rather than every thread waiting on `condition`.
    private let slots = SlotQueue()
    private let reporter: ResultReporter
    private let clockStart = ContinuousClock.now
    // Guarded by `condition`:
    private var registration: (WorkerAPI.Registration, epoch: Int)?
    private var epoch = 0
    private var limiter: RateLimiter
    private var busy = 0
    /// Tasks inside `execute`, by lease: when each started, and whether it was reported as hung.
    private var running: [String: (task: HeldTask, started: ContinuousClock.Instant, warned: Bool)] = [:]
    private var drainDeadline: ContinuousClock.Instant?
    private var stopped = false

    public init(
        api: WorkerAPI, plugin: PluginInstance, capabilities: JSONValue, limiter: RateLimiter, options: WorkerOptions,
        logger: Logger, onTaskDone: (@Sendable (TaskTiming) -> Void)? = nil // after each result is settled (the benchmark's probe)
    ) {
        self.api = api
        self.plugin = plugin
        self.capabilities = capabilities
        self.limiter = limiter
        self.options = options
        self.logger = logger
        reporter = ResultReporter(api: api, logger: logger) { finished, accepted in
            onTaskDone?(TaskTiming(leased: finished.task.leased, executeStarted: finished.executeStarted,
                                   executeEnded: finished.executeEnded, reported: .now, accepted: accepted))
        }
    }

    /// Serves until `drain()` and the drain that follows are over, then unregisters. Blocks.
    public func run() {
        reporter.start()
        for slot in 0..<options.slots { startThread("slot \(slot)", slotLoop) }
        startThread("heartbeat", heartbeatLoop)
        startThread("lease", leaseLoop)

        condition.lock()
        while drainDeadline == nil { condition.wait() }
        while busy > 0, let deadline = drainDeadline, ContinuousClock.now < deadline { wait(until: deadline) }
        let resultsDeadline = max(drainDeadline ?? .now, .now + .seconds(5))
        condition.unlock()
        // Heartbeats go on while the last results are sent, so the leases stay ours.
        reporter.finish(giveUpAfter: resultsDeadline)

        condition.lock()
        let unfinished = busy
        stopped = true
        let registered = registration != nil
        condition.broadcast()
        condition.unlock()
        slots.close()

        guard registered else { return }
        switch api.unregister() {
        case .success:
            logger.info("unregistered", metadata: unfinished > 0 ? ["handed_back": "\(unfinished)"] : [:])
        case let .failure(error):
            logger.warning("could not unregister; the orchestrator will requeue this worker's tasks when it misses its heartbeats", metadata: ["error": "\(error)"])
        }
    }

    /// Stops leasing; `run` returns once in-flight tasks are done or `drainTimeout` has passed.
    /// Safe from any thread (the signal handler's).
    public func drain() {
        condition.lock()
        if drainDeadline == nil {
            drainDeadline = .now + options.drainTimeout
            logger.info("draining", metadata: ["in_flight": "\(busy)", "timeout_s": "\(options.drainTimeout.seconds)"])
        }
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Leasing

    private func leaseLoop() {
        var backoff = Backoff()
        var lastError: APICallError?
        while !isDraining {
            guard let epoch = ensureRegistered() else { return }
            let wanted = waitForCapacity()
            guard wanted > 0 else { return }
            // The orchestrator changed while every slot was busy: register there before leasing.
            guard registeredWithOrchestratorInUse else { continue }
            switch api.poll(max: min(wanted, 1000), wait: options.pollWait) {
            case let .success(tasks):
                if lastError != nil { logger.info("orchestrator reachable again") }
                lastError = nil
                backoff.reset()
                accept(tasks)
            case let .failure(error) where error.status == 404:
                forget(epoch: epoch, because: error)
            case let .failure(error):
                if error != lastError { logger.warning("cannot poll for tasks; retrying", metadata: ["error": "\(error)"]) }
                lastError = error
                pause(backoff.next())
            }
        }
    }

    /// Registers (again) when needed, retrying with backoff: the registration's epoch, nil once draining.
    private func ensureRegistered() -> Int? {
        var backoff = Backoff()
        var lastError: APICallError?
        while true {
            let inUse = api.orchestrators.inUse
            condition.lock()
            // A registration with an orchestrator the API has since moved away from is void.
            if let current = registration, current.0.orchestrator != inUse {
                registration = nil
                logger.info("registering with the next orchestrator", metadata: [
                    "from": "\(current.0.orchestrator.endpoint.baseURL)", "to": "\(inUse.endpoint.baseURL)",
                ])
            }
            let current = registration, draining = drainDeadline != nil
            condition.unlock()
            if draining { return nil }
            if let current { return current.epoch }

            switch api.register(workerType: options.workerType, capabilities: capabilities) {
            case let .success(answer):
                condition.lock()
                epoch += 1
                registration = (answer, epoch)
                let mine = epoch
                condition.broadcast()
                condition.unlock()
                logger.info("registered", metadata: [
                    "worker_id": "\(api.workerID)", "orchestrator": "\(answer.orchestrator.endpoint.baseURL)",
                    "slots": "\(options.slots)", "task_types": "\(answer.answer.taskTypes.joined(separator: ","))",
                ])
                return mine
            case let .failure(error):
                // Unreachable or refused alike: the orchestrator may come back, or come back
                // with a config that knows this worker type. Never exit for that.
                if error != lastError {
                    let level: Logger.Level = error.status == nil ? .warning : .error
                    logger.log(level: level, "cannot register; retrying", metadata: ["error": "\(error)"])
                }
                lastError = error
                pause(backoff.next())
            }
        }
    }

    /// A 404 means the orchestrator no longer knows this worker (it restarted, or reaped it):
    /// register again. The epoch keeps a late 404 from undoing a newer registration.
    private func forget(epoch stale: Int, because error: APICallError) {
        condition.lock()
        defer { condition.unlock() }
        guard let current = registration, current.epoch == stale else { return }
        registration = nil
        logger.warning("the orchestrator forgot this worker; registering again", metadata: ["error": "\(error)"])
    }

    /// Whether the registration is with the orchestrator the API uses now.
    private var registeredWithOrchestratorInUse: Bool {
        let inUse = api.orchestrators.inUse
        condition.lock()
        defer { condition.unlock() }
        return registration?.0.orchestrator == inUse
    }

    /// Blocks until a slot is free and the rate limit allows a start; how many may start (0: draining).
    private func waitForCapacity() -> Int {
        condition.lock()
        defer { condition.unlock() }
        while drainDeadline == nil {
            let free = options.slots - busy
            let now = elapsed
            let permits = limiter.permits(now: now)
            if free > 0, permits > 0 { return min(free, permits) }
            if free > 0, let next = limiter.nextPermit(now: now) {
                wait(until: clockStart + .milliseconds(Int64(next * 1000) + 1))
            } else {
                condition.wait()
            }
        }
        return 0
    }

    private func accept(_ tasks: [TaskLease]) {
        guard !tasks.isEmpty else { return }
        let leased = ContinuousClock.now
        condition.lock()
        guard drainDeadline == nil else {
            condition.unlock()
            logger.info("draining: leaving leased tasks to be handed back", metadata: ["count": "\(tasks.count)"])
            return
        }
        let held = tasks.map { task in
            busy += 1
            limiter.recordStart(at: elapsed)
            return HeldTask(lease: task, leased: leased, timeout: registration?.0.answer.taskTimeout ?? task.timeout)
        }
        condition.unlock()
        slots.put(held)
    }

    // MARK: Running

    private func slotLoop() {
        while let task = slots.take() {
            let started = ContinuousClock.now
            let key = task.lease.lease ?? task.lease.taskID
            condition.lock()
            running[key] = (task, started, false)
            condition.unlock()
            let outcome = run(task.lease)
            let ended = ContinuousClock.now
            let body = TaskResult.body(for: outcome)
            // Queued before the slot counts as free: a drain waits for no busy slot and then
            // closes the reporter, which must by then hold every result.
            reporter.submit(FinishedTask(task: task, report: api.result(for: task.lease, body), executeStarted: started, executeEnded: ended))
            // The slot is free once the plugin returns: the result travels on the reporter's thread.
            condition.lock()
            running[key] = nil
            busy -= 1
            limiter.recordTokens(TaskResult.tokens(in: body), at: elapsed)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// A streamed task (the front door's `stream: true`) relays its deltas as the plugin emits
    /// them, all of them before its result.
    private func run(_ task: TaskLease) -> PluginOutcome {
        guard task.json["stream"]?.boolValue == true else { return plugin.execute(task: task.json) }
        let relay = DeltaRelay(api: api, task: task)
        let outcome = plugin.executeStream(task: task.json) { relay.send($0) }
        relay.flush()
        return outcome
    }

    // MARK: Heartbeats

    /// One heartbeat per interval of the current registration. The condition is broadcast at
    /// every task's end, so each wait runs to its deadline; a new registration starts afresh.
    private func heartbeatLoop() {
        while true {
            condition.lock()
            while registration == nil, !stopped { condition.wait() }
            guard let current = registration, !stopped else {
                condition.unlock()
                return
            }
            let deadline = ContinuousClock.now + current.0.answer.heartbeatInterval
            while !stopped, registration?.epoch == current.epoch, ContinuousClock.now < deadline { wait(until: deadline) }
            let due = !stopped && registration?.epoch == current.epoch
            condition.unlock()
            guard due else { continue }
            if case let .failure(error) = api.heartbeat(), error.status == 404 {
                forget(epoch: current.epoch, because: error)
            }
            warnAboutHungTasks()
        }
    }

    /// A plugin that never returns from `execute` cannot be stopped (its thread is the
    /// plugin's), but it must not go unnoticed: the orchestrator takes the task back when the
    /// lease expires, heartbeats and the other slots go on, and the log says which slot is lost.
    private func warnAboutHungTasks() {
        condition.lock()
        let now = ContinuousClock.now
        var hung: [HeldTask] = []
        for (key, entry) in running where !entry.warned && now - entry.started > entry.task.timeout {
            running[key]?.warned = true
            hung.append(entry.task)
        }
        condition.unlock()
        for task in hung {
            logger.error("the plugin's execute has run past the task timeout and still holds its slot; the orchestrator will hand the task to another worker", metadata: [
                "task_id": "\(task.lease.taskID)", "timeout_s": "\(task.timeout.seconds)",
            ])
        }
    }

    // MARK: Helpers

    private var isDraining: Bool {
        condition.lock()
        defer { condition.unlock() }
        return drainDeadline != nil
    }

    /// Seconds since this runtime was made: the rate limiter's clock (monotonic).
    private var elapsed: Double { (ContinuousClock.now - clockStart).seconds }

    /// Waits on `condition` (held) until `deadline`, a broadcast, or a spurious wake-up.
    private func wait(until deadline: ContinuousClock.Instant) {
        let seconds = (deadline - .now).seconds
        guard seconds > 0 else { return }
        _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
    }

    /// Sleeps `seconds` unless draining starts first.
    private func pause(_ seconds: Double) {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        condition.lock()
        while drainDeadline == nil, ContinuousClock.now < deadline { wait(until: deadline) }
        condition.unlock()
    }

    private func startThread(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "d8 worker \(name)"
        thread.start()
    }
}

/// A task as this worker holds it: the lease, when it arrived and how long it may run.
struct HeldTask: Sendable {
    let lease: TaskLease
    let leased: ContinuousClock.Instant
    let timeout: Duration
}
