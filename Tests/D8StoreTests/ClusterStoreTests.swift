import D8Postgres
import D8Store
import Foundation
import Testing

/// What nodes of a cluster do together through PostgreSQL, store to store (no HTTP): claims,
/// fencing, take-over, the maintainer's lease, dead nodes, budgets and deadlines.
@Suite("Cluster store (PostgreSQL)", .enabled(if: Engine.postgresURL != nil, "needs D8_TEST_POSTGRES_URL (make test starts a server)"))
struct ClusterStoreTests {
    /// Nodes on one fresh schema, closed (and the schema dropped) after `body`.
    func withNodes(_ names: [String], pool: Int = 4, timeout: Duration = .seconds(5), budgets: Bool = false,
                   _ body: ([PostgresStore], ScratchDatabase) async throws -> Void) async throws {
        let database = try await ScratchDatabase.create()
        var nodes: [PostgresStore] = []
        do {
            for name in names { nodes.append(try await openPostgres(database, node: name, timeout: timeout, pool: pool, budgets: (0, budgets))) }
            try await body(nodes, database)
        } catch {
            for node in nodes { await node.close() }
            await database.drop()
            throw error
        }
        for node in nodes { await node.close() }
        await database.drop()
    }

    func pending(_ seq: UInt64, priority: Int = 5, createdAt: Double? = nil, type: String = "echo") -> TaskRecord {
        var record = task(seq, type: type)
        record.priority = priority
        record.createdAt = createdAt ?? 1_700_000_000 + Double(seq)
        return record
    }

    @Test func claimsFollowPriorityThenAge() async throws {
        try await withNodes(["a"]) { nodes, _ in
            let a = nodes[0]
            // Aging is 60 s a level: 5 at t=0 ranks with 6 at t=60.
            try await a.write([
                .insert(pending(1, priority: 5, createdAt: 1_000)), .insert(pending(2, priority: 9, createdAt: 1_100)),
                .insert(pending(3, priority: 5, createdAt: 900)), .insert(pending(4, priority: 6, createdAt: 1_050)),
                .insert(pending(5, priority: 9, createdAt: 1_000, type: "other")),
            ])
            #expect(try await a.claim(types: ["echo"], limit: 2, now: 2_000).map(\.seq) == [2, 3])
            #expect(try await a.claim(types: ["echo"], limit: 10, now: 2_000).map(\.seq) == [4, 1]) // 50 s older, a level lower
            #expect(try await a.claim(types: ["echo"], limit: 10, now: 2_000).isEmpty)
            #expect(try await a.claim(types: ["other", "echo"], limit: 10, now: 2_000).map(\.seq) == [5])
        }
    }

    @Test func racingNodesNeverClaimTheSameTask() async throws {
        try await withNodes(["a", "b", "c"]) { nodes, _ in
            try await nodes[0].write((UInt64(1)...300).map { .insert(pending($0)) })
            let claimed = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for node in nodes {
                    group.addTask {
                        var mine: [UInt64] = []
                        while true {
                            let batch = try await node.claim(types: ["echo"], limit: 7, now: 2_000_000_000)
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.seq)
                        }
                    }
                }
                return try await group.reduce(into: [[UInt64]]()) { $0.append($1) }
            }
            let all = claimed.flatMap { $0 }
            #expect(all.count == 300)
            #expect(Set(all).count == 300)
            #expect(claimed.allSatisfy { !$0.isEmpty }) // each node got a share
        }
    }

    @Test func aTaskIsWrittenOnlyByTheNodeHoldingIt() async throws {
        try await withNodes(["a", "b"]) { nodes, database in
            let (a, b) = (nodes[0], nodes[1])
            try await a.write([.insert(pending(1))])
            var record = try #require(try await a.claim(types: ["echo"], limit: 1, now: 2_000_000_000).first)
            record.status = .assigned
            record.lease = "a-1"
            record.attempt = 1
            try await a.write([.lease(record)])
            // b does not hold it: its write is refused, and says so.
            var stolen = record
            stolen.status = .completed
            await #expect(throws: StoreError.self) { try await b.write([.update(stolen)]) }
            #expect(try await a.record(taskID: "task-1")?.status == .assigned)
            // A result that reached b takes the task over, but only with the current lease.
            #expect(try await b.takeOver(taskID: "task-1", lease: "old", workerID: nil) == nil)
            #expect(try await b.takeOver(taskID: "task-1", lease: "a-1", workerID: nil)?.lease == "a-1")
            try await b.write([.update(stolen)])
            // Now a's late write of the same task is refused and reported as lost.
            a.enqueue([.update(record)])
            try await a.flush()
            #expect(a.isLost(1))
            #expect(a.takeLost(olderThan: .zero) == [1] && !a.isLost(1))
            #expect(try await a.record(taskID: "task-1")?.status == .completed)
            #expect(try await database.query("SELECT count(*) FROM completions WHERE task_id = 'task-1'") == ["1"])
        }
    }

    @Test func oneMaintainerAtATimeAndTheNextTakesOver() async throws {
        try await withNodes(["a", "b"]) { (nodes, _) async throws -> Void in
            let (a, b) = (nodes[0], nodes[1])
            #expect(try await a.lead("maintainer", ttl: 5, now: 100) == true)
            #expect(try await b.lead("maintainer", ttl: 5, now: 101) == false)
            #expect(try await a.lead("maintainer", ttl: 5, now: 104) == true) // renewed
            #expect(try await b.lead("maintainer", ttl: 5, now: 108) == false)
            #expect(try await b.lead("maintainer", ttl: 5, now: 109.5) == true) // a stopped renewing
            #expect(try await a.lead("maintainer", ttl: 5, now: 110) == false)
        }
    }

    @Test func aDeadNodesTasksReturnToTheSharedQueue() async throws {
        try await withNodes(["a", "b"]) { nodes, _ in
            let (a, b) = (nodes[0], nodes[1])
            try await a.write([.insert(pending(1, createdAt: 100)), .insert(pending(2, createdAt: 200)), .insert(pending(3, createdAt: 300))])
            try await a.beat(now: 1_000)
            try await b.beat(now: 1_000)
            var leased = try #require(try await a.claim(types: ["echo"], limit: 1, now: 1_000).first)
            #expect(try await a.claim(types: ["echo"], limit: 1, now: 1_000).count == 1)
            leased.status = .assigned
            leased.lease = "a-1"
            leased.leaseExpiresAt = 1_100
            try await a.write([.lease(leased)])
            try await b.beat(now: 1_010) // a is silent from here on
            #expect(try await b.reapDeadNodes(now: 1_010) == ["a"])
            // The pending one is claimable again; the leased one keeps its lease until it expires.
            #expect(try await b.claim(types: ["echo"], limit: 5, now: 1_010).map(\.seq) == [2, 3])
            #expect(try await b.claimOrphans(now: 1_050, limit: 10).isEmpty)
            // a was only slow: its worker's result, with the current lease, still lands.
            var done = leased
            done.status = .completed
            done.completedAt = 1_060
            try await a.write([.update(done)])
            #expect(try await b.record(taskID: "task-1")?.status == .completed)
            #expect(try await b.claimOrphans(now: 1_101, limit: 10).isEmpty)
        }
    }

    @Test func nodesStartingTogetherMigrateOnce() async throws {
        let database = try await ScratchDatabase.create()
        let nodes = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
            for name in ["a", "b", "c", "d"] { group.addTask { try await openPostgres(database, node: name) } }
            return try await group.reduce(into: [PostgresStore]()) { $0.append($1) }
        }
        #expect(try await database.query("SELECT version FROM d8_schema") == ["2"])
        for node in nodes { await node.close() }
        await database.drop()
    }

    @Test func seqBlocksNeverOverlap() async throws {
        try await withNodes(["a", "b"]) { nodes, _ in
            let blocks = [try await nodes[0].seqBlock(), try await nodes[1].seqBlock(), try await nodes[0].seqBlock()]
            for (i, x) in blocks.enumerated() {
                #expect(x.count == Int(PostgresStore.seqBlockSize) && x.lowerBound > 0)
                for y in blocks[(i + 1)...] { #expect(!x.overlaps(y)) }
            }
        }
    }

    @Test func racingReservationsNeverPassTheLimit() async throws {
        try await withNodes(["a", "b", "c"], budgets: true) { nodes, database in
            let limits = [PostgresStore.BudgetLimit(scope: "global", limit: 1.0), .init(scope: "worker_type:groq", limit: 10)]
            let granted = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<64 {
                    let node = nodes[i % 3]
                    group.addTask {
                        try await node.reserve(usd: 0.1, taskID: "t\(i)", lease: "l\(i)", client: nil, workerType: "groq",
                                               until: 2_000_000_000, limits: limits, day: 20_000, now: 1_700_000_000) == nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(granted == 10)
            #expect(try await database.query("SELECT round(sum(usd)::numeric, 2) FROM reservations") == ["1.00"])
            // Spending settles against the day; what is reserved and spent together stays within the limit.
            nodes[0].enqueueSpend([SpendEntry(taskID: "t0", at: 20_000 * 86_400 + 5, client: nil, workerType: "groq", usd: 0.05)])
            try await nodes[0].flush()
            let refused = try await nodes[1].reserve(usd: 0.1, taskID: "t99", lease: "l99", client: nil, workerType: "groq",
                                                     until: 2_000_000_000, limits: limits, day: 20_000, now: 1_700_000_000)
            #expect(refused?.scope == "global" && refused?.spent == 0.05)
            let totals = try await nodes[2].budgetTotals(day: 20_000, now: 1_700_000_000)
            #expect(totals.spent["global"] == 0.05 && abs((totals.reserved["global"] ?? 0) - 1.0) < 1e-9)
        }
    }

    @Test func aWaitThatNeverEndsHasADeadline() async throws {
        try await withNodes(["a"], timeout: .milliseconds(800)) { nodes, database in
            try await nodes[0].write([.insert(pending(1))])
            // Another session holds the table: reads and writes wait on it, until the deadline.
            // psql waits seconds here: on a thread of its own, never on the cooperative pool.
            let holder = Task {
                _ = try? await psqlOffThePool(Engine.postgresURL!, "BEGIN; LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;", schema: database.name)
            }
            let held = """
                SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                WHERE c.relname = 'tasks' AND c.relnamespace = '\(database.name)'::regnamespace AND l.mode = 'AccessExclusiveLock' AND l.granted
                """
            var locked = false
            for _ in 0..<200 where !locked {
                locked = try await database.query(held) == ["1"]
                if !locked { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(locked, "the other session holds the table")
            let started = ContinuousClock.now
            let error = await #expect(throws: StoreError.self) { _ = try await nodes[0].record(taskID: "task-1") }
            #expect(error?.isUnavailable == true)
            #expect(ContinuousClock.now - started < .seconds(5), "the deadline is 0.8 s")
            _ = await holder.value
            #expect(try await nodes[0].record(taskID: "task-1")?.seq == 1) // and it recovers
        }
    }
}
