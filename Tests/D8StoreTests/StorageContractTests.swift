import D8Store
import Foundation
import Testing

/// What the orchestrator relies on from any task store, run on every engine: SQLite, and
/// PostgreSQL when one is at hand. New tasks are written as `insertHeld` (the writer keeps
/// them, as one orchestrator does), so later changes of them are this writer's to make.
@Suite("Task storage, on every engine")
struct StorageContractTests {
    @Test(arguments: Engine.available)
    func roundTripsEveryField(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            let full = TaskRecord(
                seq: 7, taskID: "6F9619FF-8B86-D011-B42D-00C04FC964FF", type: "translate",
                data: #"{"text":"naïve \"quote\" 🚀 end","n":[1,2]}"#, priority: 9, status: .assigned,
                attempt: 2, maxAttempts: 5, assignedTo: "worker-1", workerType: "openai-mini",
                lease: "lease-abc", leaseExpiresAt: 1_700_000_123.25, createdAt: 1_700_000_000.5,
                assignedAt: 1_700_000_010.125, notBefore: 1_700_000_005,
                result: #"{"ok":true}"#, errors: #"["timeout","429"]"#, idempotencyKey: "key-1",
                client: "alice", costUSD: 0.00125, maxCostUSD: 0.5, reservedUSD: 0.01, reservedUntil: 1_700_000_200,
                heldReason: nil, jobID: nil, deadline: 1_700_001_000, cacheKey: "ck", cachedFrom: nil, savedUSD: nil)
            let sparse = TaskRecord(seq: 8, taskID: "t-8", type: "", data: "", priority: 1, maxAttempts: 1, createdAt: 0)
            try await store.write([.insertHeld(full), .insertHeld(sparse)])
            #expect(try await store.record(taskID: full.taskID) == full)
            #expect(try await store.record(taskID: "t-8") == sparse)
            #expect(try await store.record(taskID: "missing") == nil)
        }
    }

    @Test(arguments: Engine.available)
    func idempotencyKeysAreUniquePerClient(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            try await store.write([.insertHeld(task(1, idempotencyKey: "k", client: "alice"))])
            let refused = await #expect(throws: StoreError.self) {
                try await store.write([.insertHeld(task(2, idempotencyKey: "k", client: "alice"))])
            }
            #expect(refused?.isConstraintViolation == true, "\(String(describing: refused))")
            try await store.write([.insertHeld(task(3, idempotencyKey: "k", client: "bob")), .insertHeld(task(4, idempotencyKey: "k"))])
            #expect(try await store.record(idempotencyKey: "k", client: "alice")?.seq == 1)
            #expect(try await store.record(idempotencyKey: "k", client: "bob")?.seq == 3)
            #expect(try await store.record(idempotencyKey: "k", client: nil)?.seq == 4)
            #expect(try await store.record(taskID: "task-2") == nil) // the refused call wrote nothing
        }
    }

    /// Writes that arrive together share a commit (and, in PostgreSQL, a statement): a refused
    /// one fails its own caller and no other, and writes nothing.
    @Test(arguments: Engine.available)
    func aRefusalAmongConcurrentWritesFailsOnlyItsCaller(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            try await store.write([.insertHeld(task(1, idempotencyKey: "taken", client: "alice"))])
            let outcomes = await withTaskGroup(of: (UInt64, Bool).self) { group in
                for seq in UInt64(2)...41 {
                    group.addTask {
                        // Every tenth reuses alice's key; each write is two tasks, so a refusal takes both back.
                        let key = seq % 10 == 0 ? "taken" : "k\(seq)"
                        let written = (try? await store.write([
                            .insertHeld(task(seq, idempotencyKey: key, client: "alice")), .insertHeld(task(seq + 100)),
                        ])) != nil
                        return (seq, written)
                    }
                }
                return await group.reduce(into: [UInt64: Bool]()) { $0[$1.0] = $1.1 }
            }
            for (seq, written) in outcomes.sorted(by: { $0.key < $1.key }) {
                #expect(written == (seq % 10 != 0), "write \(seq)")
                #expect((try await store.record(taskID: "task-\(seq)") != nil) == written, "task \(seq)")
                #expect((try await store.record(taskID: "task-\(seq + 100)") != nil) == written, "task \(seq + 100)")
            }
            #expect(try await store.record(idempotencyKey: "taken", client: "alice")?.seq == 1)
        }
    }

    @Test(arguments: Engine.available)
    func aFinishedTaskIsFinal(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            var record = task(1)
            try await store.write([.insertHeld(record)])
            record.status = .assigned
            record.attempt = 1
            record.lease = "l-1"
            record.assignedTo = "w"
            store.enqueue([.lease(record)])
            var done = record
            done.status = .completed
            done.result = #"{"answer":42}"#
            done.completedAt = 1_700_000_100
            store.enqueue([.update(done)])
            // A late write of an earlier state does not undo the end.
            store.enqueue([.lease(record), .update(record)])
            try await store.flush()
            #expect(try await store.record(taskID: "task-1") == done)
            #expect(try await store.unfinished().isEmpty)
        }
    }

    @Test(arguments: Engine.available)
    func unfinishedTasksComeBackInSeqOrder(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            try await store.write([
                .insertHeld(task(3, status: .held)), .insertHeld(task(1)), .insertHeld(task(2, status: .assigned)),
                .insertHeld(task(4, status: .completed)), .insertHeld(task(5, status: .cancelled)),
            ])
            #expect(try await store.unfinished().map(\.seq) == [1, 2, 3])
        }
    }

    @Test(arguments: Engine.available)
    func jobsAndTheirTasks(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            let job = JobRecord(jobID: "job-1", name: "nightly", client: "alice", createdAt: 1_700_000_000, total: 2, deadline: 1_700_009_000)
            var first = task(11), second = task(10)
            first.jobID = "job-1"
            second.jobID = "job-1"
            try await store.write([.job(job), .insertHeld(second), .insertHeld(first)])
            #expect(try await store.job(id: "job-1") == job)
            #expect(try await store.job(id: "job-2") == nil)
            #expect(try await store.records(jobID: "job-1").map(\.seq) == [10, 11])
        }
    }

    @Test(arguments: Engine.available)
    func cacheCandidatesAreRecentCompletedOnesNewestFirst(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            var changes: [TaskChange] = []
            for seq in UInt64(1)...6 {
                var record = task(seq, status: .completed)
                record.cacheKey = "key"
                record.completedAt = 1_000 + Double(seq)
                changes.append(.insertHeld(record))
            }
            var other = task(7, status: .completed)
            other.cacheKey = "other"
            other.completedAt = 2_000
            var pending = task(8)
            pending.cacheKey = "key"
            try await store.write(changes + [.insertHeld(other), .insertHeld(pending)])
            #expect(try await store.cacheCandidates(cacheKey: "key", since: 1_002).map(\.seq) == [6, 5, 4, 3])
            #expect(try await store.cacheCandidates(cacheKey: "key", since: 1_006).map(\.seq) == [6])
        }
    }

    @Test(arguments: Engine.available)
    func spendingIsKeptInOrder(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            store.enqueueSpend([
                SpendEntry(taskID: "a", at: 100, client: "alice", workerType: "groq", usd: 0.5),
                SpendEntry(taskID: "b", at: 200, client: nil, workerType: "claude", usd: 0.25),
            ])
            try await store.flush()
            #expect(try await store.spend(since: 150) == [SpendEntry(taskID: "b", at: 200, client: nil, workerType: "claude", usd: 0.25)])
            #expect(try await store.spend(since: 0).count == 2)
        }
    }

    @Test(arguments: Engine.available)
    func statisticsCountByTypeStatusAndWorkerType(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            var changes: [TaskChange] = []
            for seq in UInt64(1)...4 {
                var record = task(seq, type: "echo", status: seq == 4 ? .failed : .completed)
                record.workerType = "groq"
                record.assignedAt = 1_700_000_010 + Double(seq)
                record.completedAt = record.assignedAt! + 2
                record.costUSD = 0.5
                changes.append(.insertHeld(record))
            }
            changes.append(.insertHeld(task(5, type: "code")))
            try await store.write(changes)
            let stats = try await store.statistics(sampleLimit: 100, client: nil)
            #expect(stats.byType["echo"]?.counts[.completed] == 3)
            #expect(stats.byType["echo"]?.counts[.failed] == 1)
            #expect(stats.byType["code"]?.counts[.pending] == 1)
            #expect(stats.byType["echo"]?.runTime?.p50 == 2)
            #expect(stats.byWorkerType["groq"] == WorkerTypeStatistics(completed: 3, failed: 1, costUSD: 2))
            #expect(try await store.statistics(sampleLimit: 100, client: "nobody").byType.isEmpty)
        }
    }

    @Test(arguments: Engine.available)
    func pruningDeletesOldFinishedTasksAndCountsThem(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            var old = task(1, status: .completed)
            old.completedAt = 100
            old.workerType = "groq"
            old.costUSD = 0.25
            var recent = task(2, status: .completed)
            recent.completedAt = 1_000
            var oldButPending = task(3)
            oldButPending.completedAt = nil
            try await store.write([.insertHeld(old), .insertHeld(recent), .insertHeld(oldButPending)])
            let pruned = try await store.pruneCounted(finishedBefore: 500)
            #expect(pruned == [PrunedTasks(type: "echo", status: .completed, workerType: "groq", count: 1, costUSD: 0.25)])
            #expect(try await store.record(taskID: "task-1") == nil)
            #expect(try await store.record(taskID: "task-2") != nil)
            #expect(try await store.record(taskID: "task-3") != nil)
        }
    }

    @Test(arguments: Engine.available)
    func dashboardPagesAndThroughput(_ engine: Engine) async throws {
        try await withStorage(engine) { store in
            var changes: [TaskChange] = []
            for seq in UInt64(1)...5 {
                var record = task(seq, status: seq.isMultiple(of: 2) ? .failed : .completed, client: seq < 5 ? "alice" : "bob")
                record.completedAt = 6_000 + Double(seq) * 30 // minutes 100 and 101 (and 102)
                changes.append(.insertHeld(record))
            }
            try await store.write(changes)
            #expect(try await store.tasks(TaskQuery(limit: 2)).map(\.seq) == [5, 4])
            #expect(try await store.tasks(TaskQuery(status: .failed)).map(\.seq) == [4, 2])
            #expect(try await store.tasks(TaskQuery(client: "bob")).map(\.seq) == [5])
            let minutes = try await store.throughput(since: 0, client: "alice")
            #expect(minutes.map(\.minute) == [6_000, 6_060, 6_120])
            #expect(minutes.map(\.completed).reduce(0, +) == 2 && minutes.map(\.failed).reduce(0, +) == 2)
        }
    }
}
