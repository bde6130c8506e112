import D8Core
import D8Store
import Foundation
import ServiceLifecycle

/// The orchestrator runs as a service beside the HTTP server: a loop that gives the scheduler
/// the time (long-polls end at their deadline, silent workers are reaped, expired leases taken
/// back, retries queued, budgets reviewed), prunes old finished tasks and returns the memory of
/// a drained backlog. At shutdown it
/// answers every long-poll and flushes the store.
extension Orchestrator: Service {
    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let cluster = self.cluster { group.addTask { await self.runCluster(cluster) } }
                await self.tickLoop()
                group.cancelAll()
            }
        }
        beginShutdown()
        try? await store.flush()
        if let cluster {
            // Another node takes over at once what this one held, instead of after the node timeout.
            await cluster.leave()
            cluster.notifyNewTasks()
        }
    }

    private func tickLoop() async {
        var lastScan = ContinuousClock.now, lastPrune = ContinuousClock.now - .seconds(3600)
        var memory = MemoryReturn()
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            let now = ContinuousClock.now
            let full = now - lastScan >= .milliseconds(250)
            if full { lastScan = now }
            let effects = try? self.event { scheduler in
                var effects = SchedulerEffects()
                if full { effects = scheduler.tick(now: Self.epochNow()) } else {
                    scheduler.endExpiredLongPolls(now: Self.epochNow(), effects: &effects)
                }
                return ((), effects)
            }.1
            self.endExpiredWatches()
            if let effects, !effects.finished.isEmpty {
                let orchestrator = self
                Task { try? await orchestrator.settle(effects) }
            }
            if let cluster = self.cluster { self.clusterTick(cluster) }
            if full { memory.observe(liveTasks: self.core.withLock { $0.scheduler.liveTaskCount }) }
            // In a cluster the maintainer prunes (see `keepAlive`).
            if self.cluster == nil, now - lastPrune >= .seconds(3600) {
                lastPrune = now
                await self.prune()
            }
        }
    }

    /// Clients waiting past their deadline get the task as it stands.
    func endExpiredWatches() {
        let now = Self.epochNow()
        let expired = core.withLock { core in
            Self.removeExpired(from: &core.watches, now: now) + Self.removeExpired(from: &core.jobWatches, now: now)
        }
        for watch in expired { watch.signal.fire() }
    }

    private static func removeExpired(from watches: inout [String: [TaskWatch]], now: Double) -> [TaskWatch] {
        var expired: [TaskWatch] = []
        for (id, list) in watches where list.contains(where: { $0.deadline <= now }) {
            expired += list.filter { $0.deadline <= now }
            let rest = list.filter { $0.deadline > now }
            watches[id] = rest.isEmpty ? nil : rest
        }
        return expired
    }

    /// Answers every long-poll with no task and refuses new submits: the first step of shutdown.
    func beginShutdown() {
        let signals = core.withLock { core in
            let ids = core.scheduler.beginShutdown()
            var signals = ids.compactMap { core.sleepers.removeValue(forKey: $0) }
            signals += core.sleepers.values
            core.sleepers.removeAll()
            signals += core.watches.values.flatMap { $0.map(\.signal) } + core.jobWatches.values.flatMap { $0.map(\.signal) }
            core.watches.removeAll()
            core.jobWatches.removeAll()
            return signals
        }
        for signal in signals { signal.fire() }
    }

    /// Finished tasks older than the retention are deleted, so the file does not grow forever.
    func prune() async {
        let cutoff = Self.epochNow() - config.server.retention.seconds
        do {
            let removed = try await store.pruneCounted(finishedBefore: cutoff)
            core.withLock { $0.scheduler.tally.pruned(removed) }
            let count = removed.reduce(0) { $0 + $1.count }
            if count > 0 { logger.info("pruned finished tasks", metadata: ["count": "\(count)"]) }
        } catch {
            logger.error("pruning failed", metadata: ["error": "\(error)"])
        }
        Self.returnFreedMemory()
    }
}

extension Orchestrator {
    /// A drained backlog leaves freed memory in malloc's arenas: glibc's `malloc_trim` gives it
    /// back to the system (looked up at run time: it is glibc's own, not in every libc).
    static func returnFreedMemory() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }
}
