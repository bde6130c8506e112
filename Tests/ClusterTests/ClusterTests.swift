import D8Core
import D8Harness
import Foundation
import Testing

/// Several real `d8 serve` nodes (`server.store: postgres`) on one database, with real Echo
/// workers: what the README's "Running several orchestrators" promises, end to end. Each test
/// makes its own database on the test server (D8_TEST_POSTGRES_URL) and drops it; without that
/// server every test is skipped. Serialized: one test restarts the PostgreSQL server itself,
/// which every concurrent test would feel (the Makefile runs this suite in its timed pass).
@Suite("A cluster of nodes on one PostgreSQL", .serialized, .enabled(if: ClusterDatabase.baseURL != nil, "needs D8_TEST_POSTGRES_URL (make test sets it)"))
struct ClusterTests {
    @Test func aTaskSubmittedToOneNodeCompletesThroughAnother() async throws {
        let cluster = try PostgresCluster(nodes: 2)
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(id: "on-b", nodes: [1])
        let ids = try (1...5).map { try cluster.submitted(on: 0, data: ["n": JSONValue($0)]) }

        for id in ids {
            // A long-poll on A for a task that lives at B: A watches the database.
            let status = try cluster.status(id, on: 0, wait: 10).body
            #expect(status["status"] == "completed", "\(id): \(status.jsonString)\n\(cluster.logs())")
            #expect(status["assigned_to"] == "on-b")
        }
        let rows = try cluster.rows("SELECT task_id, status, node FROM completions ORDER BY task_id")
        #expect(rows.map { $0[0] } == ids.sorted(), "one completion per task, and no other: \(rows)")
        #expect(rows.allSatisfy { $0[1] == "completed" && $0[2] == cluster.nodes[1].nodeID }, "completed by B, the worker's node: \(rows)")
        #expect(worker.process.isRunning)
    }

    @Test func aHundredTasksOverThreeNodesAndThreeWorkersCompleteExactlyOnce() async throws {
        let cluster = try PostgresCluster(nodes: 3, workerTypes: PostgresCluster.echo(slots: 2))
        defer { cluster.shutdown() }
        // Each worker starts at another node and knows all three.
        for (i, order) in [[0, 1, 2], [1, 2, 0], [2, 0, 1]].enumerated() { try cluster.startWorker(id: "w\(i)", nodes: order) }

        let ids = try await onThread { try (0..<100).map { try cluster.submitted(on: $0 % 3, data: ["n": JSONValue($0)]) } }
        #expect(Set(ids).count == 100)

        let allDone = await eventually(timeout: .seconds(30), every: .milliseconds(200)) {
            try cluster.count("SELECT count(*) FROM completions") >= 100
        }
        #expect(allDone, "completions: \((try? cluster.sql("SELECT count(*) FROM completions")) ?? "?")\n\(cluster.logs())")
        let completions = try cluster.rows("SELECT task_id, status FROM completions")
        #expect(completions.count == 100, "no completion of a task not submitted, none twice")
        #expect(Set(completions.map { $0[0] }) == Set(ids), "every accepted task has its completion")
        #expect(completions.allSatisfy { $0[1] == "completed" }, "\(completions.filter { $0[1] != "completed" })")
        // Each node answers for every task, whichever node took it and which completed it.
        for (n, id) in ids.enumerated() {
            let status = try cluster.status(id, on: (n + 1) % 3).body
            #expect(status["status"] == "completed", "\(id) through node \((n + 1) % 3): \(status.jsonString)")
            #expect(status["attempt"] == 1, "ran once: \(status.jsonString)")
        }
        #expect(try cluster.count("SELECT count(*) FROM tasks WHERE status <> 'completed'") == 0)
        #expect(try cluster.count("SELECT count(*) FROM tasks WHERE attempt <> 1") == 0, "no task ran twice")
        // All three workers served: the load was shared across nodes.
        let servedBy = Set(try cluster.rows("SELECT DISTINCT assigned_to FROM tasks").map { $0[0] })
        #expect(servedBy.count >= 2, "workers that served: \(servedBy)")
    }

    @Test
    func oneIdempotencyKeySubmittedToThreeNodesAtOnceIsOneTask() async throws {
        let cluster = try PostgresCluster(nodes: 3)
        defer { cluster.shutdown() }
        for round in 0..<5 {
            let key = "key-\(round)-\(UUID().uuidString)"
            // Three threads released together, one per node.
            let gate = Gate(parties: 3)
            let answers = try await withThrowingTaskGroup(of: (Int, NodeAnswer).self) { group in
                for node in 0..<3 {
                    group.addTask {
                        try await onThread {
                            gate.arriveAndWait()
                            return (node, try cluster.submit(on: node, data: ["round": JSONValue(round)], idempotencyKey: key))
                        }
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
            }
            let described = answers.sorted { $0.key < $1.key }.map { "node \($0.key): \($0.value)" }.joined(separator: "\n")
            let ids = Set(answers.values.compactMap(\.taskID))
            #expect(answers.values.allSatisfy { $0.status == 201 || $0.status == 200 }, "round \(round):\n\(described)")
            #expect(ids.count == 1 && answers.values.allSatisfy { $0.taskID != nil }, "one task id in every answer, round \(round):\n\(described)")
            #expect(answers.values.filter { $0.status == 201 }.count == 1, "one answer created the task, round \(round):\n\(described)")
            #expect(try cluster.count("SELECT count(*) FROM tasks WHERE idempotency_key = '\(key)'") == 1)
        }
    }
}

/// Lets `parties` threads go on together, once all have arrived.
final class Gate: @unchecked Sendable { // a condition guards the count
    private let condition = NSCondition()
    private var waiting: Int

    init(parties: Int) { waiting = parties }

    func arriveAndWait() {
        condition.lock()
        defer { condition.unlock() }
        waiting -= 1
        if waiting == 0 { condition.broadcast() }
        while waiting > 0 { condition.wait() }
    }
}
