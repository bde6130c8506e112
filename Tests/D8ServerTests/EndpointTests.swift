import D8Core
import D8Harness
import Foundation
import Testing

/// One test per endpoint, with the shapes D8 clients and workers read.
@Suite("D8 endpoints on a live orchestrator")
struct EndpointTests {
    @Test func health() async throws {
        try await withLiveServer { server in
            let reply = try await server.client.get("/health")
            #expect(reply.status == 200)
            #expect(reply["status"] == "healthy")
            #expect(reply["service"] == "d8-orchestrator")
            #expect(reply["workers_online"] == 0)
            #expect(reply["tasks_pending"] == 0)
            #expect(reply["tasks_in_progress"] == 0)
        }
    }

    @Test func submitLeaseReportAndStatus() async throws {
        try await withLiveServer { server in
            let client = server.client

            let registered = try await client.register("w1")
            #expect(registered.status == 200)
            #expect(registered["status"] == "registered")
            #expect(registered["worker_id"] == "w1")

            let submitted = try await client.submit(data: ["prompt": "hello", "language": "swift", "type": "clash"], priority: 7)
            #expect(submitted.status == 201)
            #expect(submitted["status"] == "submitted")
            let taskID = try #require(submitted["task_id"]?.stringValue)

            let polled = try await client.poll("w1")
            let task = try #require(polled["task"])
            #expect(task["task_id"]?.stringValue == taskID)
            #expect(task["type"] == "echo")
            #expect(task["priority"] == 7)
            #expect(task["attempt"] == 1)
            #expect(task["data"] == ["prompt": "hello", "language": "swift", "type": "clash"])
            #expect(task["prompt"] == "hello", "data keys are copied to the top level for old workers")
            #expect(task["language"] == "swift")
            #expect(task["type"] == "echo", "a data key that collides with a task key does not override it")
            #expect(task["lease"]?.stringValue?.isEmpty == false)

            let assigned = try await client.status(taskID)
            #expect(assigned["status"] == "assigned")
            #expect(assigned["assigned_to"] == "w1")

            let reported = try await client.report(task, worker: "w1", output: "olleh", extra: ["usage": ["input_tokens": 3, "output_tokens": 2]])
            #expect(reported.status == 200)
            #expect(reported["status"] == "received")

            let done = try await client.status(taskID)
            #expect(done.status == 200)
            #expect(done["status"] == "completed")
            #expect(done["type"] == "echo")
            #expect(done["assigned_to"] == "w1")
            #expect(done["created_at"]?.doubleValue != nil)
            #expect(done["completed_at"]?.doubleValue != nil)
            let result = try #require(done["result"])
            #expect(result["success"] == true)
            #expect(result["output"] == "olleh")
            #expect(result["result"] == "olleh", "old clients read the text from result.result")
            #expect(result["worker_type"] == "echo")
            #expect(result["usage"] == ["input_tokens": 3, "output_tokens": 2])
            #expect(result["latency_ms"]?.doubleValue != nil)
        }
    }

    @Test func heartbeatAndUnknownWorkers() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w1")
            let beat = try await client.post("/api/workers/w1/heartbeat")
            #expect(beat.status == 200)
            #expect(beat["status"] == "ok")
            let unknown = try await client.post("/api/workers/ghost/heartbeat")
            #expect(unknown.status == 404)
            #expect(unknown["code"] == "unknown_worker")
            #expect(unknown["error"]?.stringValue?.contains("register") == true)
            #expect(try await client.poll("ghost").status == 404)
        }
    }

    @Test func emptyPollAndBatchLease() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w1", slots: 3)
            let empty = try await client.poll("w1")
            #expect(empty.status == 200)
            #expect(empty["task"] == .null)

            let batch = try await client.post("/api/tasks/batch", ["tasks": [
                ["type": "echo", "data": ["n": 1]], ["type": "echo", "data": ["n": 2]],
                ["type": "echo", "data": ["n": 3]], ["type": "echo", "data": ["n": 4]],
            ]])
            #expect(batch.status == 201)
            #expect(batch["task_ids"]?.arrayValue?.count == 4)

            let leased = try await client.poll("w1", max: 10)
            let tasks = try #require(leased["tasks"]?.arrayValue)
            #expect(tasks.count == 3, "never more leases than slots")
            #expect(tasks.map { $0["n"] } == [1, 2, 3], "FIFO within a priority")
            #expect(leased["task"] == tasks.first)
            #expect(try await client.poll("w1", max: 10)["tasks"] == [])
        }
    }

    @Test func priorityOrder() async throws {
        try await withLiveServer { server in
            let client = server.client
            for (n, priority) in [(1, 2), (2, 9), (3, 5), (4, 9)] { _ = try await client.submit(data: ["n": JSONValue(n)], priority: priority) }
            let queue = try await client.get("/api/tasks/queue")
            #expect(queue.status == 200)
            #expect(queue["total"] == 4)
            #expect(queue["tasks"]?.arrayValue?.map { $0["priority"] } == [9, 9, 5, 2])
            try await client.register("w1", slots: 4)
            let tasks = try #require(try await client.poll("w1", max: 4)["tasks"]?.arrayValue)
            #expect(tasks.map { $0["n"] } == [2, 4, 3, 1])
        }
    }

    @Test func cancelAndUnregisterAndList() async throws {
        try await withLiveServer { server in
            let client = server.client
            let first = try #require(try await client.submit()["task_id"]?.stringValue)
            let cancelled = try await client.post("/api/tasks/\(first)/cancel")
            #expect(cancelled.status == 200)
            #expect(cancelled["d8_status"] == "cancelled")
            #expect(try await client.post("/api/tasks/nope/cancel").status == 404)

            try await client.register("w1", slots: 2)
            try await client.register("w2", type: "echo")
            #expect(try await client.poll("w1")["task"] == .null, "a cancelled task is not handed out")
            let second = try #require(try await client.submit()["task_id"]?.stringValue)
            #expect(try await client.poll("w1")["task"]?["task_id"]?.stringValue == second)

            let list = try await client.get("/api/workers/list")
            #expect(list["total"] == 2)
            let w1 = try #require(list["workers"]?.arrayValue?.first { $0["worker_id"] == "w1" })
            #expect(w1["worker_type"] == "echo")
            #expect(w1["status"] == "online")
            #expect(w1["capabilities"] == ["slots": 2])
            #expect(w1["tasks_completed"] == 0)
            #expect(w1["last_heartbeat"]?.doubleValue != nil)

            let left = try await client.post("/api/workers/w1/unregister")
            #expect(left["status"] == "unregistered")
            #expect(try await client.status(second)["status"] == "pending", "its leased task went back to the queue")
            let legacy = try await client.post("/api/workers/unregister", ["worker_id": "w2"])
            #expect(legacy["status"] == "unregistered")
            #expect(try await client.get("/api/workers/list")["total"] == 0)
        }
    }

    @Test func statsTellTheTruth() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w1", slots: 2)
            _ = try await client.submit()
            _ = try await client.submit()
            _ = try await client.submit()
            let tasks = try #require(try await client.poll("w1", max: 2)["tasks"]?.arrayValue)
            _ = try await client.report(tasks[0], worker: "w1", extra: ["cost_usd": 0.25])
            _ = try await client.report(tasks[1], worker: "w1", success: false, extra: ["error": "bad prompt"])

            for path in ["/api/stats", "/api/workers/stats"] {
                let stats = try await client.get(path)
                #expect(stats.status == 200)
                #expect(stats["workers"]?["total"] == 1)
                #expect(stats["workers"]?["online"] == 1)
                #expect(stats["workers"]?["by_type"] == ["echo": 1])
                #expect(stats["tasks"]?["total"] == 3)
                #expect(stats["tasks"]?["pending"] == 1)
                #expect(stats["tasks"]?["completed"] == 1)
                #expect(stats["tasks"]?["failed"] == 1)
                #expect(stats["performance"]?["success_rate"] == 50 && stats["performance"]?["success_fraction"] == 0.5)
                let echo = try #require(stats["task_types"]?["echo"])
                #expect(echo["counts"]?["completed"] == 1)
                #expect(echo["run_time_s"]?["p50"]?.doubleValue != nil)
                #expect(stats["worker_types"]?["echo"]?["cost_usd"] == 0.25)
                #expect(stats["worker_types"]?["echo"]?["completed"] == 1)
            }
            let failed = try await client.status(tasks[1]["task_id"]!.stringValue!)
            #expect(failed["status"] == "failed")
            #expect(failed["errors"]?.arrayValue?.first?["error"] == "bad prompt")
        }
    }

    @Test func idempotencyKeyReturnsTheFirstTask() async throws {
        try await withLiveServer { server in
            let client = server.client
            let first = try await client.submit(key: "job-42")
            #expect(first.status == 201)
            let again = try await client.submit(data: ["prompt": "other"], key: "job-42")
            #expect(again.status == 200)
            #expect(again["duplicate"] == true)
            #expect(again["task_id"] == first["task_id"])
            // Concurrent repeats of a new key create exactly one task.
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await client.submit(key: "burst")["task_id"]!.stringValue! } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await client.get("/api/tasks/queue")["total"] == 2)
        }
    }
}
