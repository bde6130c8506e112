import D8Core
import D8Store
import Foundation
import Logging
import PostgresNIO

/// What nodes of a cluster do together through the database: number tasks, claim from the
/// shared queue, take a task over, stay alive, and elect one maintainer.
extension PostgresStore {
    /// Seqs per block: a node numbers this many tasks before it asks for another block.
    public static let seqBlockSize: UInt64 = 1 << 20

    /// A range of seqs no other node will use.
    public func seqBlock() async throws(StoreError) -> Range<UInt64> {
        let block = try await rows("SELECT nextval('seq_blocks')") { UInt64(try $0.decode(Int64.self)) }.first ?? 1
        return (block * Self.seqBlockSize)..<((block + 1) * Self.seqBlockSize)
    }

    /// Claims up to `limit` ready tasks of `types` from the shared queue for this node, best
    /// first (lowest rank): skipping rows another node is claiming at the same moment, so
    /// claims never wait on each other and never take the same task.
    public func claim(types: [String], limit: Int, now: Double) async throws(StoreError) -> [TaskRecord] {
        guard limit > 0, !types.isEmpty else { return [] }
        var binds = PostgresBindings()
        binds.append(nodeID)
        binds.append(types)
        binds.append(now)
        binds.append(limit)
        let claimed = try await rows(PostgresQuery(unsafeSQL: """
            WITH ready AS (
                SELECT seq FROM tasks
                WHERE status = 'pending' AND owner IS NULL AND type = ANY($2) AND (not_before IS NULL OR not_before <= $3)
                ORDER BY rank LIMIT $4 FOR UPDATE SKIP LOCKED
            )
            UPDATE tasks SET owner = $1 FROM ready WHERE tasks.seq = ready.seq
            RETURNING tasks.rank, \(TaskRecord.columns.map { "tasks.\($0)" }.joined(separator: ", "))
            """, binds: binds)) { row in
            var cells = RowCursor(row)
            let rank: Double = try cells.next()
            return (rank, try TaskRecord(cells: &cells))
        }
        return claimed.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Takes an unfinished task over for this node, whoever held it: a result or a cancel that
    /// reached this node decides for the task. With `lease`, only while that lease is the
    /// current one (a stale result takes nothing).
    public func takeOver(taskID: String, lease: String?, workerID: String?) async throws(StoreError) -> TaskRecord? {
        var binds = PostgresBindings()
        binds.append(nodeID)
        binds.append(taskID)
        var fence = ""
        if let lease {
            binds.append(lease)
            fence = " AND status = 'assigned' AND lease = $3"
        } else if let workerID {
            binds.append(workerID)
            fence = " AND status = 'assigned' AND assigned_to = $3"
        }
        // The node that held it hears so (a rare notice, not one per task): it drops the task
        // and its waiting clients follow it in the database.
        let taken = try await rows(PostgresQuery(unsafeSQL: """
            WITH before AS (SELECT seq, owner FROM tasks WHERE task_id = $2 FOR UPDATE)
            UPDATE tasks SET owner = $1 FROM before
            WHERE tasks.seq = before.seq AND status NOT IN (\(TaskRecord.finishedList))\(fence)
            RETURNING before.owner, \(TaskRecord.columns.map { "tasks.\($0)" }.joined(separator: ", "))
            """, binds: binds)) { row in
            var cells = RowCursor(row)
            let previous: String? = try cells.next()
            return (previous, try TaskRecord(cells: &cells))
        }.first
        if let (previous, record) = taken, let previous, previous != nodeID {
            _ = try? await rows("SELECT pg_notify(\(Self.takenOverChannel), \(previous + " " + String(record.seq)))") { _ in () }
        }
        return taken?.1
    }

    /// The database server's clock, in Unix seconds: the one clock every node's liveness and
    /// the maintainer's lease are measured by, whatever the nodes' own clocks say.
    public func databaseNow() async throws(StoreError) -> Double {
        try await rows("SELECT extract(epoch FROM clock_timestamp())::float8") { try $0.decode(Double.self) }.first ?? 0
    }

    /// This node is alive (its row renewed).
    public func beat(now: Double) async throws(StoreError) {
        _ = try await rows("""
            INSERT INTO nodes (node_id, started_at, seen_at) VALUES (\(nodeID), \(now), \(now))
            ON CONFLICT (node_id) DO UPDATE SET seen_at = excluded.seen_at RETURNING 1
            """) { _ in () }
    }

    /// This node leaves: its row goes, and what it holds returns to the shared queue at once.
    public func leave() async {
        _ = try? await rows("UPDATE tasks SET owner = NULL WHERE owner = \(nodeID) RETURNING 1") { _ in () }
        _ = try? await rows("DELETE FROM nodes WHERE node_id = \(nodeID) RETURNING 1") { _ in () }
    }

    /// Holds (or renews) the named lease for `ttl` seconds if it is free, expired or already
    /// this node's: true while this node is the one.
    public func lead(_ name: String, ttl: Double, now: Double) async throws(StoreError) -> Bool {
        let holder = try await rows("""
            INSERT INTO leaders (name, holder, until) VALUES (\(name), \(nodeID), \(now + ttl))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
            WHERE leaders.holder = excluded.holder OR leaders.until < \(now)
            RETURNING holder
            """) { try $0.decode(String.self) }
        return holder.first == nodeID
    }

    /// Nodes silent for longer than the node timeout are dead: their rows go, and the tasks
    /// they held return to the shared queue (leased ones keep their lease: their worker may
    /// still report to any node until it expires). Returns the dead nodes.
    public func reapDeadNodes(now: Double) async throws(StoreError) -> [String] {
        let cutoff = now - settings.nodeTimeout.seconds
        return try await Self.withDeadline(settings.timeout, "reaping dead nodes") { [client, logger] in
            try await client.withTransaction(logger: logger) { connection in
                var dead: [String] = []
                for try await id in try await connection.query("DELETE FROM nodes WHERE seen_at < \(cutoff) RETURNING node_id", logger: logger).decode(String.self) {
                    dead.append(id)
                }
                try await connection.query("""
                    UPDATE tasks SET owner = NULL WHERE owner IS NOT NULL AND NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.node_id = tasks.owner)
                    """, logger: logger)
                return dead
            }
        }
    }

    /// Tasks nobody holds that need a decision rather than a worker: leases that ran out, held
    /// tasks (budgets are reviewed where they are held), and waiting tasks past their
    /// deadline. The maintainer takes them over and its scheduler decides.
    public func claimOrphans(now: Double, limit: Int) async throws(StoreError) -> [TaskRecord] {
        try await records("""
            WITH orphans AS (
                SELECT seq FROM tasks
                WHERE owner IS NULL AND (
                    (status = 'assigned' AND lease_expires_at < \(now)) OR status = 'held'
                    OR (status = 'pending' AND deadline < \(now)))
                LIMIT \(limit) FOR UPDATE SKIP LOCKED
            )
            UPDATE tasks SET owner = \(nodeID) FROM orphans WHERE tasks.seq = orphans.seq
            RETURNING \(unescaped: TaskRecord.columns.map { "tasks.\($0)" }.joined(separator: ", "))
            """)
    }

    /// Tells every node that tasks are waiting in the shared queue: at most once per
    /// `interval`, plus one trailing notification for what came during the pause.
    public func notifyNewTasks(interval: Duration = .milliseconds(10)) {
        let now = ContinuousClock.now
        let sendNow = notifyState.withLock { throttle -> Bool? in
            if now - throttle.last >= interval {
                throttle.last = now
                return true
            }
            guard !throttle.trailingDue else { return nil }
            throttle.trailingDue = true
            return false
        }
        guard let sendNow else { return }
        Task {
            if !sendNow {
                try? await Task.sleep(for: interval)
                notifyState.withLock { $0.trailingDue = false; $0.last = ContinuousClock.now }
            }
            _ = try? await rows("SELECT pg_notify(\(Self.newTasksChannel), '')") { _ in () }
        }
    }

    static let newTasksChannel = "d8_new_tasks"
    /// Payload "<node> <seq>": that node no longer holds that task.
    static let takenOverChannel = "d8_taken_over"

    /// What other nodes say through the database.
    public enum Notice: Sendable, Equatable {
        /// New tasks wait in the shared queue (also sent after each reconnection: a
        /// notification sent while this node was not listening is lost, so look anyway).
        case newTasks
        /// Another node took over a task this node held.
        case takenOver(seq: UInt64)
    }

    /// Notices for this node. LISTEN needs a connection of its own; it is made again whenever it
    /// breaks.
    public func notices() -> AsyncStream<Notice> {
        let (stream, continuation) = AsyncStream.makeStream(of: Notice.self, bufferingPolicy: .bufferingNewest(256))
        let settings = self.settings, logger = self.logger, nodeID = self.nodeID
        let task = Task {
            var delay = Duration.milliseconds(100)
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: settings.connectionConfiguration, id: 1, logger: logger)
                    defer { Task { try? await connection.close() } }
                    let newTasks = try await connection.listen(Self.newTasksChannel)
                    let takenOver = try await connection.listen(Self.takenOverChannel)
                    delay = .milliseconds(100)
                    continuation.yield(.newTasks)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { for try await _ in newTasks { continuation.yield(.newTasks) } }
                        group.addTask {
                            for try await notification in takenOver {
                                let parts = notification.payload.split(separator: " ")
                                guard parts.count == 2, parts[0] == nodeID, let seq = UInt64(parts[1]) else { continue }
                                continuation.yield(.takenOver(seq: seq))
                            }
                        }
                        try await group.next()
                        group.cancelAll()
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("postgres LISTEN connection lost; reconnecting", metadata: ["error": "\(Self.storeError(error))"])
                }
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}


extension PostgresStore {
    /// The shared queue as it would be claimed now (best first), of everyone or one client, and
    /// its size by task type: what a node shows as the queue.
    public func queued(limit: Int, client: String?) async throws(StoreError) -> (tasks: [TaskRecord], byType: [String: Int]) {
        var binds = PostgresBindings()
        binds.append(max(0, limit))
        if let client { binds.append(client) }
        let filter = client == nil ? "" : " AND client = $2"
        let tasks = try await records(PostgresQuery(unsafeSQL: """
            \(TaskRecord.select) WHERE status = 'pending'\(filter) ORDER BY rank LIMIT $1
            """, binds: binds))
        var countBinds = PostgresBindings()
        if let client { countBinds.append(client) }
        let counts = try await rows(PostgresQuery(unsafeSQL: """
            SELECT type, count(*) FROM tasks WHERE status = 'pending'\(client == nil ? "" : " AND client = $1") GROUP BY type
            """, binds: countBinds)) { try $0.decode((String, Int).self) }
        return (tasks, Dictionary(counts) { a, _ in a })
    }
}
