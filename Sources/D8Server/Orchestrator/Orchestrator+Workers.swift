import D8Core
import D8Store
import D8Wire
import Foundation

/// The worker's side: register, heartbeat, long-poll for tasks, results, unregister.
extension Orchestrator {
    func register(workerID: String, workerType: String, capabilities: JSONValue) async throws(APIError) -> WorkerState {
        let (worker, effects) = try event { scheduler throws(APIError) in
            try scheduler.register(workerID: workerID, workerType: workerType, capabilities: capabilities, now: Self.epochNow())
        }
        try await settle(effects)
        logger.info("worker registered", metadata: ["worker_id": "\(workerID)", "worker_type": "\(workerType)", "slots": "\(worker.slots)"])
        return worker
    }

    func touch(workerID: String) throws(APIError) {
        _ = try event { scheduler throws(APIError) in (try scheduler.heartbeat(workerID: workerID, now: Self.epochNow()), SchedulerEffects()) }
    }

    /// A worker leaves: its leased tasks go back to the queue at once, without using up an attempt.
    func unregister(workerID: String) async throws(APIError) {
        let (requeued, effects) = try event { scheduler throws(APIError) in
            try scheduler.unregister(workerID: workerID, now: Self.epochNow())
        }
        try await settle(effects)
        logger.info("worker unregistered", metadata: ["worker_id": "\(workerID)", "requeued": "\(requeued)"])
    }

    /// Leases up to `max` tasks to a worker, waiting up to `wait` for the first one (long-poll).
    /// Returns as soon as a task it may serve is queued, at the deadline, or at shutdown. When a
    /// lease reserved budget, it answers only once that reservation is on disk: a worker starts
    /// spending as soon as it has the task, so a crash must not forget it.
    func lease(workerID: String, max: Int, wait: Duration) async throws(APIError) -> [LeasedTask] {
        let deadline = Self.epochNow() + wait.seconds
        var generation: UInt64?
        while true {
            let signal = WakeSignal()
            let (answer, effects) = try event { scheduler throws(APIError) in
                let answer = try scheduler.lease(workerID: workerID, max: max, now: Self.epochNow(), deadline: deadline, generation: generation)
                return (answer, answer.effects)
            }
            generation = answer.generation
            if let waiter = answer.waiter {
                // A wake-up decided before the sleeper is in place took the waiter off the list:
                // then look again instead of sleeping, so none is missed.
                let registered = core.withLock { core in
                    guard core.scheduler.waiters.contains(where: { $0.id == waiter }) else { return false }
                    core.sleepers[waiter] = signal
                    return true
                }
                if registered, cluster != nil { feederBell.ring() } // the shared queue may have work for it
                try await settle(effects)
                if registered { await signal.sleep() }
                if core.withLock({ $0.scheduler.shuttingDown }) { return [] }
                continue
            }
            try await settle(effects)
            let tasks = try await confirmReservations(answer.tasks)
            if tasks.isEmpty, !answer.tasks.isEmpty { continue } // every lease refused: wait for what the budgets admit
            return tasks.map { LeasedTask($0, config: config) }
        }
    }

    enum ReportOutcome: String {
        case received
        /// The same result again (same worker, same lease): answered, not counted twice.
        case duplicate
    }

    /// Takes a worker's result. Only the worker holding the task's current lease may report it.
    func report(_ report: ResultReport) async throws(APIError) -> ReportOutcome {
        let (taskID, workerID, lease, result) = (report.taskID, report.workerID, report.lease, report.result)
        let (outcome, effects) = try event { scheduler throws(APIError) in
            let outcome = try scheduler.report(taskID: taskID, workerID: workerID, lease: lease, result: result, now: Self.epochNow())
            switch outcome {
            case let .received(effects), let .stale(_, effects): return (outcome, effects)
            case .duplicate, .notLive: return (outcome, SchedulerEffects())
            }
        }
        switch outcome {
        case .received:
            try await settle(effects)
            try refuseIfTakenOver(taskID, workerID: workerID, effects: effects)
            noteFailedAttempts([taskID])
            return .received
        case .duplicate:
            return .duplicate
        case let .stale(record, _):
            throw Scheduler.staleLease(taskID, workerID: workerID, record: record)
        case .notLive:
            // In a cluster the task may be held by another node (its worker moved here) or by
            // none (its node died): the current lease lets this node take it over and decide.
            if try await takeOver(taskID: taskID, lease: lease, workerID: lease == nil ? workerID : nil) {
                return try await self.report(report)
            }
            guard let stored = try await read({ try await $0.record(taskID: taskID) }) else {
                throw APIError(.notFound, "no task with id '\(taskID)'")
            }
            if Scheduler.isRepeat(of: stored, worker: workerID, lease: lease) { return .duplicate }
            _ = try event { scheduler in
                var effects = SchedulerEffects()
                scheduler.lateResult(for: stored, workerID: workerID, cost: result["cost_usd"]?.doubleValue ?? 0, now: Self.epochNow(), effects: &effects)
                return ((), effects)
            }
            throw Scheduler.staleLease(taskID, workerID: workerID, record: stored)
        }
    }
}

extension Orchestrator {
    /// Many results of one worker in one request: one pass under the lock, one commit, and an
    /// outcome per result (a stale one does not refuse the others).
    func report(_ items: [ResultReport]) async -> [Result<ReportOutcome, APIError>] {
        let now = Self.epochNow()
        let batch: ([Result<Scheduler.ReportOutcome, APIError>], SchedulerEffects)? = try? event { scheduler in
            var all = SchedulerEffects()
            var outcomes: [Result<Scheduler.ReportOutcome, APIError>] = []
            for item in items {
                let outcome = Result { () throws(APIError) in
                    try scheduler.report(taskID: item.taskID, workerID: item.workerID, lease: item.lease, result: item.result, now: now)
                }
                switch outcome {
                case let .success(.received(effects)), let .success(.stale(_, effects)): all.append(effects)
                default: break
                }
                outcomes.append(outcome)
            }
            return (outcomes, all)
        }
        let (outcomes, effects) = batch ?? ([], SchedulerEffects())
        // Every received result of the batch is durable before any is acknowledged.
        do throws(APIError) { try await settle(effects) } catch {
            return items.map { _ in .failure(error) }
        }
        noteFailedAttempts(items.map(\.taskID))
        var answers: [Result<ReportOutcome, APIError>] = []
        for (item, outcome) in zip(items, outcomes) {
            switch outcome {
            case let .failure(error): answers.append(.failure(error))
            case .success(.received):
                do throws(APIError) {
                    try refuseIfTakenOver(item.taskID, workerID: item.workerID, effects: effects)
                    answers.append(.success(.received))
                } catch { answers.append(.failure(error)) }
            case .success(.duplicate): answers.append(.success(.duplicate))
            case let .success(.stale(record, _)): answers.append(.failure(Scheduler.staleLease(item.taskID, workerID: item.workerID, record: record)))
            case .success(.notLive):
                do throws(APIError) { answers.append(.success(try await report(item))) } catch { answers.append(.failure(error)) }
            }
        }
        return answers
    }
}
