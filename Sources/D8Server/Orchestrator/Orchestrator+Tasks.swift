import D8Core
import D8Store
import Foundation

/// The client's side: submit, cancel, status and its long-poll.
extension Orchestrator {
    /// Accepts tasks: each is on disk before this returns, then queued and offered to waiting
    /// workers. A repeated idempotency key returns the first task instead of a new one.
    /// All-or-nothing for a batch: every submission is checked before any is stored.
    /// `job`: the tasks make up this job, written in the same commit.
    func submit(_ submissions: [Submission], client: String?, job: JobRecord? = nil) async throws(APIError) -> [(record: TaskRecord, created: Bool)] {
        do {
            return try await submitOnce(submissions, client: client, job: job)
        } catch let error where error.code == .conflict && cluster != nil && submissions.contains(where: { $0.idempotencyKey != nil }) {
            // Another node stored a task under one of these keys first: now the store has it.
            return try await submitOnce(submissions, client: client, job: job)
        }
    }

    private func submitOnce(_ submissions: [Submission], client: String?, job: JobRecord?) async throws(APIError) -> [(record: TaskRecord, created: Bool)] {
        var submissions = submissions
        try await ensureSeqs(submissions.count)
        try await lookUpResultCache(&submissions, client: client)
        let keys = submissions.compactMap(\.idempotencyKey)
        // Keys of finished tasks are only in the store; live ones are in memory.
        let stored: [String: TaskRecord] = keys.isEmpty ? [:] : try await read { store in
            var found: [String: TaskRecord] = [:]
            for key in keys { if let record = try await store.record(idempotencyKey: key, client: client) { found[key] = record } }
            return found
        }
        let now = Self.epochNow()
        let (admissions, _) = try event { scheduler throws(APIError) in
            (try scheduler.admit(submissions, client: client, stored: stored, now: now) { UUID().uuidString.lowercased() }, SchedulerEffects())
        }
        let fresh = admissions.compactMap { if case let .new(live) = $0 { live } else { nil } }
        if !fresh.isEmpty {
            do {
                // In a cluster a task waits in the shared queue, unless this node answers it.
                try await store.write((job.map { [TaskChange.job($0)] } ?? []) + fresh.map { $0.answeredHere ? .insertHeld($0.record) : .insert($0.record) })
            } catch {
                core.withLock { $0.scheduler.abandon(fresh) }
                if error.isConstraintViolation, cluster != nil {
                    throw APIError(.conflict, "a task with one of these idempotency keys was stored by another node meanwhile")
                }
                logger.error("store write failed", metadata: ["error": "\(error)"])
                // A write that timed out may still commit: only a repeat with the same
                // Idempotency-Key is sure not to create a second task.
                throw Self.storeFailure(error, error.isUnavailable
                    ? "the task store did not confirm the write (retry with the same Idempotency-Key)"
                    : "the task store refused the write; nothing was accepted")
            }
            _ = try event { scheduler in ((), scheduler.accept(fresh, now: Self.epochNow())) }
            if fresh.contains(where: { !$0.answeredHere && $0.record.status != .completed }) { announceNewTasks() }
            if config.server.metrics { recordSubmitted(fresh) }
        }
        var results: [(record: TaskRecord, created: Bool)] = []
        for admission in admissions {
            switch admission {
            case let .new(live): results.append((live.record, true))
            case let .existing(record): results.append((record, false))
            case let .beingWritten(key):
                // Another submit is still writing the first task of this key: once the writes
                // queued before now are committed, it can be read back.
                try? await store.flush()
                guard let first = try await read({ try await $0.record(idempotencyKey: key, client: client) }) else {
                    throw APIError(.conflict, "a task with idempotency key '\(key)' is being submitted; try again")
                }
                results.append((first, false))
            }
        }
        return results
    }

    /// Gives each submission of a type with a result cache its cache key, and, unless it
    /// refused the cache, the completed task it is answered from (if one is within the TTL).
    private func lookUpResultCache(_ submissions: inout [Submission], client: String?) async throws(APIError) {
        struct Lookup: Sendable { let index: Int, key: String, type: String, canonical: String, since: Double }
        let now = Self.epochNow()
        var lookups: [Lookup] = []
        for (index, submission) in submissions.enumerated() {
            guard let ttl = config.taskType(named: submission.type)?.cacheTTL else { continue }
            let canonical = submission.data.canonicalJSONString
            let key = ResultCache.key(type: submission.type, client: client, canonicalData: canonical)
            submissions[index].cacheKey = key
            if submission.usesCache { lookups.append(Lookup(index: index, key: key, type: submission.type, canonical: canonical, since: now - ttl.seconds)) }
        }
        guard !lookups.isEmpty else { return }
        let hits = try await read { [lookups] store in
            var hits: [TaskRecord?] = []
            for lookup in lookups {
                hits.append(ResultCache.hit(among: try await store.cacheCandidates(cacheKey: lookup.key, since: lookup.since),
                                            type: lookup.type, client: client, canonicalData: lookup.canonical))
            }
            return hits
        }
        for (lookup, hit) in zip(lookups, hits) { submissions[lookup.index].cachedFrom = hit }
    }

    /// Cancels a task that has not finished. A leased task is cancelled too; its worker's result
    /// is then refused. Another client's task is not found.
    func cancel(taskID: String, by viewer: Viewer) async throws(APIError) -> TaskView {
        let (outcome, effects) = try event { scheduler in
            let outcome = scheduler.cancel(taskID: taskID, by: viewer, now: Self.epochNow())
            if case let .cancelled(_, effects) = outcome { return (outcome, effects) }
            return (outcome, SchedulerEffects())
        }
        switch outcome {
        case let .cancelled(record, _):
            try await settle(effects)
            return TaskView(record)
        case let .alreadyFinished(record):
            return TaskView(record)
        case .notLive:
            guard let stored = try await read({ try await $0.record(taskID: taskID) }), viewer.sees(stored) else { throw Self.noTask(taskID) }
            // Finished, or one orchestrator alone (it holds every unfinished task in memory): cancelling changes nothing.
            guard cluster != nil, !stored.status.isFinished else { return TaskView(stored) }
            // In a cluster it may live at another node (or wait in the shared queue): take it over, then cancel.
            if try await takeOver(taskID: taskID, lease: nil, workerID: nil) { return try await cancel(taskID: taskID, by: viewer) }
            return try await storedTask(taskID, for: viewer) // as another node's decision left it
        }
    }

    /// A task by its public id, live or finished, if the viewer may see it.
    func task(_ taskID: String, for viewer: Viewer) async throws(APIError) -> TaskView {
        if let live = core.withLock({ $0.scheduler.task(id: taskID) }) {
            guard viewer.sees(live.record) else { throw Self.noTask(taskID) }
            return TaskView(live)
        }
        return try await storedTask(taskID, for: viewer)
    }

    private func storedTask(_ taskID: String, for viewer: Viewer) async throws(APIError) -> TaskView {
        guard let stored = try await read({ try await $0.record(taskID: taskID) }), viewer.sees(stored) else { throw Self.noTask(taskID) }
        return TaskView(stored)
    }

    /// The same words whether the task does not exist or is another client's.
    static func noTask(_ taskID: String) -> APIError {
        APIError(.notFound, "no task with id '\(taskID)'")
    }

    /// The task once it is finished, or as it stands when `wait` runs out (or at shutdown):
    /// what lets a client wait for a result without polling. A task finishing while watched is
    /// answered from memory.
    func waitUntilFinished(_ taskID: String, wait: Duration, for viewer: Viewer) async throws(APIError) -> TaskView {
        let watch = TaskWatch(taskID: taskID, deadline: Self.epochNow() + wait.seconds)
        let (live, watching) = core.withLock { core -> (LiveTask?, Bool) in
            guard let live = core.scheduler.task(id: taskID) else { return (nil, false) }
            guard viewer.sees(live.record) else { return (live, false) }
            guard !live.record.status.isFinished, !core.scheduler.shuttingDown, wait > .zero else { return (live, false) }
            core.watches[taskID, default: []].append(watch)
            return (live, true)
        }
        guard let live else {
            // In a cluster the task may live at another node: follow it in the database.
            if cluster != nil, wait > .zero, let view = try await waitInDatabase(taskID, until: watch.deadline, for: viewer) { return view }
            if cluster != nil, wait > .zero, core.withLock({ $0.scheduler.task(id: taskID) != nil }) {
                return try await waitUntilFinished(taskID, wait: .seconds(max(0, watch.deadline - Self.epochNow())), for: viewer)
            }
            return try await storedTask(taskID, for: viewer)
        }
        guard viewer.sees(live.record) else { throw Self.noTask(taskID) }
        guard watching else { return TaskView(live) }
        await watch.signal.sleep()
        if let finished = watch.finished { return TaskView(finished) }
        let left = watch.deadline - Self.epochNow()
        if cluster != nil, left > 0, !core.withLock({ $0.scheduler.shuttingDown }) {
            return try await waitUntilFinished(taskID, wait: .milliseconds(Int64(left * 1000)), for: viewer) // it moved to another node
        }
        return try await task(taskID, for: viewer)
    }
}
