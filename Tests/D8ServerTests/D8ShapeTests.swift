import D8Core
import D8Harness
import Foundation
import Testing

/// Every answer carries the keys the earlier D8 orchestrator's answers carried, with the same
/// meaning, beside d8's own; and the built-in task types' result contracts hold whatever the
/// worker sends.
@Suite("D8's answer shapes")
struct D8ShapeTests {
    /// The built-in task types served by the Echo worker type, whose price is known without a plugin.
    static func builtInsOnEcho(_ config: inout D8Config) {
        for index in config.taskTypes.indices where D8Config.builtInTaskTypes.contains(config.taskTypes[index].name) {
            config.taskTypes[index].route = ["echo"]
            config.taskTypes[index].maxCostUSD = nil
        }
    }

    @Test func healthAndRegistrationAndHeartbeat() async throws {
        try await withLiveServer { server in
            let client = server.client
            let health = try await client.get("/health")
            #expect(health["status"] == "healthy" && health["service"] == "d8-orchestrator")
            for key in ["workers_online", "tasks_pending", "tasks_in_progress"] { #expect(health[key]?.intValue != nil, "\(key)") }
            let timestamp = try #require(health["timestamp"]?.stringValue, "D8 sent an ISO-8601 time")
            #expect(try Date(timestamp, strategy: .iso8601).timeIntervalSinceNow.magnitude < 60)

            let registered = try await client.register("w")
            #expect(registered["status"] == "registered" && registered["worker_id"] == "w")
            #expect(registered["success"] == true && registered["message"] == "Worker registered successfully")
            #expect(try await client.post("/api/workers/w/heartbeat")["status"] == "ok")
            let list = try await client.get("/api/workers/list")
            #expect(list["total"] == 1)
            let worker = try #require(list["workers"]?.arrayValue?.first)
            for key in ["worker_id", "worker_type", "status", "last_heartbeat", "tasks_completed", "tasks_failed", "capabilities"] {
                #expect(worker[key] != nil, "\(key)")
            }
            #expect(worker["status"] == "online")
            #expect(try await client.post("/api/workers/unregister", ["worker_id": "w"])["success"] == true)
        }
    }

    @Test func submitStatusResultsAndTheLegacyEndpoints() async throws {
        try await withLiveServer(Self.builtInsOnEcho) { server in
            let client = server.client
            let submitted = try await client.submit("agent_action", data: ["messages": [["role": "user", "content": "hi"]], "temperature": 0.5])
            #expect(submitted.status == 201)
            #expect(submitted["status"] == "submitted" && submitted["message"] == "Task queued successfully")
            let id = try #require(submitted["task_id"]?.stringValue)

            try await client.register("w")
            let task = try #require(try await client.poll("w")["task"])
            // D8's two lease shapes: `data`, and its keys at the top level for the oldest workers.
            #expect(task["task_id"]?.stringValue == id && task["type"] == "agent_action" && task["priority"] == 5)
            #expect(task["data"]?["temperature"] == 0.5 && task["messages"] != nil && task["temperature"] == 0.5)

            // A D8 worker (worker_groq.py) sends `response` and `tokens`, with no lease, to D8's endpoint.
            let reported = try await client.post("/api/workers/results", [
                "task_id": .string(id), "worker_id": "w",
                "result": ["success": true, "response": "hello", "model": "m", "usage": ["input_tokens": 3, "output_tokens": 4]],
            ])
            #expect(reported.status == 200 && reported["status"] == "received" && reported["success"] == true)

            let status = try await client.status(id)
            for key in ["task_id", "type", "status", "assigned_to", "created_at", "completed_at", "result"] { #expect(status[key] != nil, "\(key)") }
            #expect(status["status"] == "completed" && status["assigned_to"] == "w")
            let result = try #require(status["result"])
            #expect(result["success"] == true && result["response"] == "hello")
            #expect(result["output"] == "hello", "D8's `response` is d8's `output` too")
            #expect(result["tokens_used"] == 7, "D8's tokens_used")
        }
    }

    @Test func statsAndQueueInD8sWordsBesideD8s() async throws {
        try await withLiveServer { $0.queue.maxAttempts = 1 } run: { server in
            let client = server.client
            try await client.register("w", slots: 4)
            for n in 0..<4 { _ = try await client.submit(data: ["n": JSONValue(n)]) }
            let leased = try #require(try await client.poll("w", max: 3)["tasks"]?.arrayValue)
            _ = try await client.report(leased[0], worker: "w")
            _ = try await client.report(leased[1], worker: "w", success: false, extra: ["error": "boom", "retryable": true])
            let cancelled = try #require(try await client.submit()["task_id"]?.stringValue)
            _ = try await client.post("/api/tasks/\(cancelled)/cancel")

            let stats = try await client.get("/api/stats")
            let tasks = try #require(stats["tasks"])
            // pending 1, assigned 1, completed 1, failed: the dead one and the cancelled one.
            #expect(tasks["pending"] == 1 && tasks["assigned"] == 1 && tasks["completed"] == 1 && tasks["failed"] == 2, "\(tasks)")
            #expect(tasks["total"] == 5)
            #expect(tasks["by_d8_status"]?["dead"] == 1 && tasks["by_d8_status"]?["cancelled"] == 1)
            let performance = try #require(stats["performance"])
            #expect(performance["total_completed"] == 1 && performance["total_failed"] == 1)
            #expect(performance["success_rate"] == 50, "D8 printed it with {:.1f}%")
            #expect(performance["success_fraction"] == 0.5)

            let queue = try await client.get("/api/tasks/queue")
            let items = try #require(queue["queue"]?.arrayValue)
            #expect(items.count == 1 && items[0]["status"] == "pending")
            for key in ["task_id", "type", "priority", "created_at"] { #expect(items[0][key] != nil, "\(key)") }
            #expect(queue["pending"] == 1 && queue["assigned"] == 1 && queue["completed"] == 1 && queue["failed"] == 2, "\(queue.body)")
            #expect(queue["tasks"] == queue["queue"] && queue["total"] == 1)
        }
    }

    @Test func aNewOrchestratorsSuccessRateBeforeAnyTaskIsZeroPercent() async throws {
        try await withLiveServer { server in
            let performance = try await server.client.get("/api/stats")["performance"]
            #expect(performance?["success_rate"] == 0 && performance?["success_fraction"] == .null)
        }
    }

    @Test func everyFinalStateReadsCompletedOrFailedToD8sClients() async throws {
        try await withLiveServer { $0.queue.maxAttempts = 1 } run: { server in
            let client = server.client
            let (dead, task) = try await client.leaseOne()
            _ = try await client.report(task, worker: "w", success: false, extra: ["error": "x", "retryable": true])
            let cancelled = try #require(try await client.submit()["task_id"]?.stringValue)
            _ = try await client.post("/api/tasks/\(cancelled)/cancel")
            let expired = try #require(try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline_in": 0.2])["task_id"]?.stringValue)
            #expect(await eventually { try await client.status(expired)["d8_status"] == "expired" })
            for (id, word) in [(dead, "dead"), (cancelled, "cancelled"), (expired, "expired")] {
                let status = try await client.status(id)
                #expect(status["status"] == "failed" && status["d8_status"] == .string(word), "\(status.body)")
            }
        }
    }
}

/// A completed task of a built-in type carries what D8's programs read from it, whatever the
/// worker sent: a breach is a retryable failure with words, never a completion.
@Suite("Result contracts")
struct ResultContractTests {
    @Test func anEvolutionResultWithoutAMatchingGenomeIsRetried() async throws {
        try await withLiveServer(D8ShapeTests.builtInsOnEcho) { server in
            let client = server.client
            try await client.register("w")
            let parent: JSONValue = ["lr": 0.01, "layers": 3, "activation": "relu"]
            let id = try #require(try await client.submit("evolution_mutation", data: ["genome": parent, "mutation_rate": 0.1])["task_id"]?.stringValue)

            var task = try #require(try await client.poll("w", wait: 5)["task"])
            #expect(try await client.report(task, worker: "w", output: "a genome in prose").status == 200)
            var status = try await client.status(id)
            #expect(status["d8_status"] == "pending", "retried: \(status.body)")
            #expect(status["errors"]?.arrayValue?.last?["error"]?.stringValue?.contains("'genome'") == true)

            task = try #require(try await client.poll("w", wait: 5)["task"])
            _ = try await client.report(task, worker: "w", extra: ["genome": ["lr": "fast", "layers": 3, "activation": "relu"]])
            status = try await client.status(id)
            #expect(status["errors"]?.arrayValue?.last?["error"]?.stringValue?.contains("key 'lr' should be a number") == true, "\(status.body)")

            task = try #require(try await client.poll("w", wait: 5)["task"])
            _ = try await client.report(task, worker: "w", extra: ["genome": ["lr": 0.02, "layers": 4, "activation": "tanh"]])
            status = try await client.status(id)
            #expect(status["status"] == "completed" && status["result"]?["genome"]?["layers"] == 4)
        }
    }

    @Test func aCrossoverMatchesTheFirstParentAndAnAgentActionNeedsItsText() async throws {
        try await withLiveServer { D8ShapeTests.builtInsOnEcho(&$0); $0.queue.maxAttempts = 1 } run: { server in
            let client = server.client
            try await client.register("w")
            let crossover = try #require(try await client.submit("evolution_crossover", data: ["genome1": ["a": 1], "genome2": ["a": 2]])["task_id"]?.stringValue)
            var task = try #require(try await client.poll("w")["task"])
            _ = try await client.report(task, worker: "w", extra: ["genome": ["a": 1, "b": 2]])
            let dead = try await client.status(crossover)
            #expect(dead["d8_status"] == "dead" && dead["status"] == "failed", "\(dead.body)")
            #expect(dead["errors"]?.arrayValue?.last?["error"]?.stringValue?.contains("unexpected key 'b'") == true)

            let action = try #require(try await client.submit("agent_action", data: ["messages": []])["task_id"]?.stringValue)
            task = try #require(try await client.poll("w")["task"])
            _ = try await client.post("/api/tasks/\(action)/result", ["worker_id": "w", "lease": task["lease"]!, "result": ["success": true]])
            #expect(try await client.status(action)["d8_status"] == "dead")
        }
    }
}
