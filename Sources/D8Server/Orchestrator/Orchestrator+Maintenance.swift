import D8Core
import D8Store
import Foundation
import ServiceLifecycle

/// The orchestrator runs as a service beside the HTTP server: a loop that ends long-polls at
/// their deadline, reaps silent workers, takes back expired leases, queues tasks whose retry
/// time has come and prunes old finished tasks. At shutdown it answers the long-polls and
/// flushes the store.
extension Orchestrator: Service {
    func run() async throws {
        await cancelWhenGracefulShutdown {
            var lastScan = ContinuousClock.now, lastPrune = ContinuousClock.now - .seconds(3600)
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                self.endExpiredLongPolls()
                let now = ContinuousClock.now
                if now - lastScan >= .milliseconds(250) {
                    lastScan = now
                    self.reapSilentWorkers()
                    self.takeBackExpiredLeases()
                    self.queueDueTasks()
                    self.reviewBudgets()
                    self.wakeForSpilledLanes()
                }
                if now - lastPrune >= .seconds(3600) {
                    lastPrune = now
                    await self.prune()
                }
            }
        }
        beginShutdown()
        try? await store.flush()
    }

    func endExpiredLongPolls() {
        let now = ContinuousClock.now
        let (expired, watches) = state.withLock { state in
            (state.waiters.filter { $0.deadline <= now }, state.watches.filter { $0.deadline <= now })
        }
        for waiter in expired { waiter.fire() }
        for watch in watches { watch.signal.fire() }
    }

    /// Workers silent for `worker_timeout` are dead: what they held goes back at once.
    func reapSilentWorkers() {
        let dead = workerTable.reap(now: ticks(), timeout: workerTimeoutMillis)
        guard !dead.isEmpty else { return }
        let seconds = Int(config.queue.workerTimeout.seconds)
        let orphans = state.withLock { state -> [TaskRecord] in
            var orphans: [TaskRecord] = []
            for key in dead {
                guard let id = state.workerIDByKey[key], let entry = state.workers[id] else { continue }
                logger.warning("worker missed its heartbeats; its tasks go back to the queue", metadata: ["worker_id": "\(id)", "tasks": "\(entry.held.count)"])
                orphans += entry.held.compactMap { seq in
                    requeueLeased(seq, reason: "worker \(id) sent no heartbeat for \(seconds)s", countsAsAttempt: true, in: &state)
                }
                dropWorker(entry, in: &state)
            }
            return orphans
        }
        afterRequeue(orphans)
    }

    /// A lease that outlives `task_timeout` goes back to the queue, even if its worker lives.
    func takeBackExpiredLeases() {
        let now = Self.epochNow()
        let seconds = Int(taskTimeoutSeconds)
        let expired = state.withLock { state -> [TaskRecord] in
            let late = state.leased.filter { (state.tasks[$0]?.record.leaseExpiresAt ?? .infinity) < now }
            return late.compactMap { seq in
                requeueLeased(seq, reason: "lease expired: no result within the task timeout of \(seconds)s", countsAsAttempt: true, workerStillRuns: true, in: &state)
            }
        }
        afterRequeue(expired)
    }

    /// Parked tasks whose retry time has come (or that waited for room) go into their queue.
    func queueDueTasks() {
        let now = Self.epochNow()
        let due = state.withLock { state -> [TaskRecord] in
            var due: [TaskRecord] = []
            for seq in state.parked {
                guard let record = state.tasks[seq]?.record, record.status == .pending else {
                    state.parked.remove(seq) // finished or cancelled meanwhile
                    continue
                }
                if (record.notBefore ?? 0) <= now { due.append(record) }
            }
            for record in due {
                state.parked.remove(record.seq)
                state.tasks[record.seq]?.record.notBefore = nil
            }
            return due
        }
        for record in due { pushOrPark(record) }
        wakeWaiters(forTasks: due.map(\.seq))
    }

    /// Finished tasks older than the retention are deleted, so the file does not grow forever.
    func prune() async {
        let cutoff = Self.epochNow() - config.server.retention.seconds
        do {
            let removed = try await store.prune(finishedBefore: cutoff)
            if removed > 0 { logger.info("pruned finished tasks", metadata: ["count": "\(removed)"]) }
        } catch {
            logger.error("pruning failed", metadata: ["error": "\(error)"])
        }
    }
}
