import D8Core
import D8Harness
import Foundation
import Testing

/// Nodes that die, and a task decided at a node other than the one holding it.
extension ClusterTests {
    @Test func aWorkerWhoseNodeIsKilledMovesOnAndNothingAcceptedIsLost() async throws {
        // 12 tasks of 600 ms on 2 slots: A is killed with several leased, several still queued.
        let cluster = try PostgresCluster(nodes: 2, workerTypes: PostgresCluster.echo(delayMs: 600, slots: 2),
                                          postgres: "timeout: 5s\nnode_timeout: 3s",
                                          queue: PostgresCluster.fastQueue.replacingOccurrences(of: "task_timeout: 30s", with: "task_timeout: 10s"))
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(id: "mover", nodes: [0, 1])
        let ids = try (0..<12).map { try cluster.submitted(on: 0, data: ["n": JSONValue($0)]) }
        // Some done, some running at the worker: then A goes.
        let started = await eventually(timeout: .seconds(10)) {
            try cluster.count("SELECT count(*) FROM completions") >= 2
                && cluster.count("SELECT count(*) FROM tasks WHERE status = 'assigned'") >= 1
        }
        #expect(started, "\(cluster.logs())")
        try await Task.sleep(for: .milliseconds(200))
        let doneBefore = try cluster.count("SELECT count(*) FROM completions")
        cluster.kill(0)

        let allDone = await eventually(timeout: .seconds(25), every: .milliseconds(200)) {
            try cluster.count("SELECT count(*) FROM completions") >= ids.count
        }
        #expect(allDone, "completions: \((try? cluster.sql("SELECT count(*) FROM completions")) ?? "?") of \(ids.count)\n\(cluster.logs())")
        #expect(doneBefore < ids.count, "A was killed with tasks left")
        let completions = try cluster.rows("SELECT task_id, status FROM completions")
        #expect(Set(completions.map { $0[0] }) == Set(ids) && completions.count == ids.count)
        #expect(completions.allSatisfy { $0[1] == "completed" }, "\(completions)")
        for id in ids {
            let status = try cluster.status(id, on: 1).body
            #expect(status["d8_status"] == "completed", "\(id): \(status.jsonString)")
            #expect(status["assigned_to"] == "mover")
        }
        #expect(worker.log.contains("from=\(cluster.url(0))") && worker.log.contains("to=\(cluster.url(1))"), "\(worker.log)")
        #expect(!worker.log.contains("gave up reporting a result"), "\(worker.log)")
        #expect(worker.process.isRunning)
    }

    @Test func whenTheMaintainerIsKilledAnotherNodeTakesItsLease() async throws {
        let cluster = try PostgresCluster(nodes: 3, postgres: "timeout: 5s\nnode_timeout: 5s")
        defer { cluster.shutdown() }
        var holder: String?
        #expect(await eventually(timeout: .seconds(10)) { holder = try cluster.maintainer(); return holder != nil }, "\(cluster.logs())")
        let maintainer = try #require(holder.flatMap(cluster.index(ofNode:)), "the holder \(holder ?? "none") is one of the nodes \(cluster.nodes.map(\.nodeID))")
        let others = (0..<3).filter { $0 != maintainer }
        #expect(try cluster.count("SELECT count(*) FROM nodes") == 3)

        let killedAt = ContinuousClock.now
        cluster.kill(maintainer)
        var next: String?
        let taken = await eventually(timeout: .seconds(10), every: .milliseconds(100)) {
            next = try cluster.maintainer()
            return next != nil && next != holder
        }
        let takeover = ContinuousClock.now - killedAt
        #expect(taken, "the lease after the kill: \(next ?? "none") in \(takeover)\n\(cluster.logs())")
        #expect(next.flatMap(cluster.index(ofNode:)).map(others.contains) == true, "held by a live node: \(next ?? "none")")
        print("ClusterTests: the maintainer's lease moved \(takeover) after the kill")

        // The cluster works on: a task submitted now completes.
        try cluster.startWorker(id: "after", nodes: others)
        let id = try cluster.submitted(on: others[0])
        let status = try cluster.status(id, on: others[1], wait: 10).body
        #expect(status["d8_status"] == "completed", "\(status.jsonString)\n\(cluster.logs())")

        // The new maintainer reaps the dead node.
        let deadID = cluster.nodes[maintainer].nodeID
        let reaped = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
            try cluster.count("SELECT count(*) FROM nodes WHERE node_id = '\(deadID)'") == 0
        }
        #expect(reaped, "\((try? cluster.rows("SELECT node_id, seen_at FROM nodes")) ?? [])")
        #expect(Set(try cluster.rows("SELECT node_id FROM nodes").map { $0[0] }) == Set(others.map { cluster.nodes[$0].nodeID }))
    }

    /// A task cancelled at another node than the one holding it is cancelled everywhere, and
    /// its worker's later result is refused.
    @Test
    func aTaskCancelledAtAnotherNodeThanItsWorkersIsCancelledAndItsResultRefused() async throws {
        // The task runs 3 s at a worker on B; it is cancelled through A meanwhile.
        let cluster = try PostgresCluster(nodes: 2, workerTypes: PostgresCluster.echo(delayMs: 3000), logLevel: "debug")
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(id: "slow", nodes: [1])
        let id = try cluster.submitted(on: 0)
        let bID = cluster.nodes[1].nodeID
        let leased = await eventually(timeout: .seconds(10)) {
            try cluster.count("SELECT count(*) FROM tasks WHERE task_id = '\(id)' AND status = 'assigned' AND owner = '\(bID)'") == 1
        }
        #expect(leased, "\((try? cluster.rows("SELECT status, owner, assigned_to FROM tasks")) ?? [])\n\(cluster.logs())")
        try await Task.sleep(for: .milliseconds(500)) // the worker surely runs it

        let cancel = try cluster.cancel(id, on: 0)
        #expect(cancel.status == 200 && cancel.body["d8_status"] == "cancelled", "\(cancel)")
        #expect(try cluster.status(id, on: 0).body["d8_status"] == "cancelled")
        var seenAtB: JSONValue = .null
        let cancelledAtB = await eventually(timeout: .seconds(2), every: .milliseconds(100)) {
            seenAtB = try cluster.status(id, on: 1).body
            return seenAtB["d8_status"] == "cancelled"
        }
        #expect(cancelledAtB, "B, which holds the task, still answers \(seenAtB.jsonString)")

        // The worker finishes (3 s after it started) and reports to B: refused, 409.
        let refused = await eventually(timeout: .seconds(10)) {
            worker.log.split(separator: "\n").contains { $0.contains("result refused") && $0.contains(id) }
        }
        #expect(refused, "no refusal in the worker's log\n\(cluster.logs())")
        let refusal = worker.log.split(separator: "\n").first { $0.contains("result refused") && $0.contains(id) }.map(String.init) ?? ""
        #expect(refusal.contains("409"), "\(refusal)")
        let completedAtB = cluster.log(1).split(separator: "\n").filter { $0.contains("task completed") && $0.contains(id) }
        #expect(completedAtB.isEmpty, "B took the result of a cancelled task: \(completedAtB)")
        for node in 0..<2 {
            let status = try cluster.status(id, on: node).body
            #expect(status["d8_status"] == "cancelled", "after the result, through node \(node): \(status.jsonString)")
        }
        let completions = try cluster.rows("SELECT task_id, status FROM completions")
        #expect(completions.count == 1 && completions.first == [id, "cancelled"], "\(completions)")
    }

    /// The same with a hand-made worker, so the result comes right after the cancel, while a
    /// client long-polls the task's status at B.
    @Test
    func aResultSentRightAfterACancelAtAnotherNodeIsRefused() async throws {
        let cluster = try PostgresCluster(nodes: 2, logLevel: "debug")
        defer { cluster.shutdown() }
        let worker = RawWorker(cluster: cluster, node: 1, id: "by-hand")
        try worker.register()
        let id = try cluster.submitted(on: 0)
        let lease = try worker.lease()
        #expect(lease.taskID == id)

        let cancel = try cluster.cancel(id, on: 0)
        #expect(cancel.status == 200 && cancel.body["d8_status"] == "cancelled", "\(cancel)")
        // A client waits for the task at B.
        let waiting = Task { try await onThread { try cluster.status(id, on: 1, wait: 10) } }
        try await Task.sleep(for: .milliseconds(300))
        let answer = try worker.report(taskID: id, lease: lease.lease)
        #expect(answer.status == 409, "a result for a task cancelled at A, sent to B: \(answer)\n\(cluster.logs())")
        let waited = try await waiting.value.body
        #expect(waited["d8_status"] == "cancelled", "the long-poll at B was answered \(waited.jsonString)")
        for node in 0..<2 {
            let status = try cluster.status(id, on: node).body
            #expect(status["d8_status"] == "cancelled", "through node \(node): \(status.jsonString)")
        }
        let completions = try cluster.rows("SELECT task_id, status FROM completions")
        #expect(completions.count == 1 && completions.first == [id, "cancelled"], "\(completions)")
    }
}

/// A worker made of HTTP requests, for exchanges a real worker times by itself.
struct RawWorker {
    let cluster: PostgresCluster
    let node: Int
    let id: String

    func register() throws {
        let answer = try cluster.request("POST", "/api/workers/register", on: node, body: ["worker_id": .string(id), "worker_type": "echo"])
        guard answer.status == 200 || answer.status == 201 else { throw ProcessFailure("register: \(answer)") }
    }

    /// One task, waiting up to 5 s for it.
    func lease() throws -> (taskID: String, lease: String) {
        let answer = try cluster.request("GET", "/api/workers/\(id)/tasks?wait=5&max=1", on: node, timeout: .seconds(15))
        guard answer.status == 200, let task = answer.body["tasks"]?.arrayValue?.first,
              let taskID = task["task_id"]?.stringValue, let lease = task["lease"]?.stringValue else {
            throw ProcessFailure("lease: \(answer)")
        }
        return (taskID, lease)
    }

    func report(taskID: String, lease: String) throws -> NodeAnswer {
        try cluster.request("POST", "/api/tasks/\(taskID)/result", on: node,
                            body: ["task_id": .string(taskID), "worker_id": .string(id), "lease": .string(lease), "result": ["success": true, "echo": "done"]])
    }
}
