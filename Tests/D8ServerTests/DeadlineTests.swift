import D8Core
import D8Harness
import Foundation
import Testing

/// Deadlines through a live orchestrator: a task not leased by its deadline ends `expired`
/// without reaching a worker or a budget, and no retry starts after it.
@Suite("Deadlines")
struct DeadlineTests {
    @Test func aQueuedTaskExpiresAtItsDeadlineWithTheReason() async throws {
        try await withLiveServer { server in
            let client = server.client
            let submitted = try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline_in": 0.3])
            #expect(submitted.status == 201)
            let id = try #require(submitted["task_id"]?.stringValue)
            let deadline = try #require(submitted["deadline"]?.doubleValue)
            #expect(abs(deadline - (Date().timeIntervalSince1970 + 0.3)) < 5)
            #expect(await eventually { try await client.status(id)["d8_status"] == "expired" })
            let expired = try await client.status(id)
            #expect(expired["status"] == "failed", "D8's clients stop polling on it")
            #expect(expired["errors"]?.arrayValue?.last?["error"]?.stringValue?.contains("deadline passed") == true, "\(expired.body)")
            try await client.register("w")
            #expect(try await client.poll("w")["task"] == .null, "it never reaches a worker")
            let stats = try await client.get("/api/stats")
            #expect(stats["task_types"]?["echo"]?["counts"]?["expired"] == 1)
            #expect(stats["tasks"]?["by_d8_status"]?["expired"] == 1 && stats["tasks"]?["failed"] == 1)
        }
    }

    @Test func aDeadlineInThePastOrGivenTwiceIsRefused() async throws {
        try await withLiveServer { server in
            let client = server.client
            let past = try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline": 1_000_000])
            #expect(past.status == 400 && past["error"]?.stringValue?.contains("deadline") == true, "\(past.body)")
            #expect(try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline_in": -1]).status == 400)
            #expect(try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline_in": "soon"]).status == 400)
            let both = try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline": 4_000_000_000, "deadline_in": 5])
            #expect(both.status == 400)
        }
    }

    @Test func aTaskHeldByASpentBudgetExpiresWithoutSpending() async throws {
        try await withLiveServer(RoutingTests.config(budget: 0.0015) { config in config.taskTypes[0].route = ["cheap"] }) { server in
            let client = server.client
            try await client.register("cheap", type: "cheap", slots: 4)
            _ = try await client.submit("chat", data: RoutingTests.data)
            let held = try #require(try await client.post("/api/tasks/submit", ["type": "chat", "data": RoutingTests.data, "deadline_in": 2])["task_id"]?.stringValue)
            #expect(try await client.poll("cheap", max: 4)["tasks"]?.arrayValue?.count == 1)
            #expect(try await client.status(held)["d8_status"] == "held")
            #expect(await eventually { try await client.status(held)["d8_status"] == "expired" })
            let cost = try await client.get("/api/stats")["cost"]
            #expect(cost?["spent_today_usd"] == 0, "nothing was spent on it")
            #expect(try await client.poll("cheap", max: 4)["tasks"]?.arrayValue?.isEmpty == true, "it never reaches a worker")
        }
    }

    @Test func aRetryThatWouldStartAfterTheDeadlineIsNotMade() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w")
            let id = try #require(try await client.post("/api/tasks/submit", ["type": "echo", "data": [:], "deadline_in": 2])["task_id"]?.stringValue)
            let task = try #require(try await client.poll("w")["task"])
            let report = try await client.report(task, worker: "w", success: false, extra: ["error": "HTTP 429", "retryable": true, "retry_after": 30])
            #expect(report.status == 200)
            let status = try await client.status(id)
            #expect(status["d8_status"] == "expired" && status["status"] == "failed", "\(status.body)")
            let errors = status["errors"]?.arrayValue?.compactMap { $0["error"]?.stringValue } ?? []
            #expect(errors.first == "HTTP 429" && errors.last?.contains("after the task's deadline") == true, "\(errors)")
        }
    }

    @Test func aJobsDeadlineAppliesToEachTaskUnlessItsOwnIsSooner() async throws {
        try await withLiveServer { server in
            let client = server.client
            let now = Date().timeIntervalSince1970
            let job = try await client.post("/api/jobs", [
                "deadline_in": 600,
                "tasks": [["type": "echo", "data": [:]], ["type": "echo", "data": [:], "deadline_in": 0.3]],
            ])
            #expect(job.status == 201)
            let ids = try #require(job["task_ids"]?.arrayValue?.compactMap { $0.stringValue })
            #expect(abs((try await client.status(ids[0])["deadline"]?.doubleValue ?? 0) - (now + 600)) < 5)
            #expect(await eventually { try await client.status(ids[1])["d8_status"] == "expired" })
            let view = try await client.get("/api/jobs/\(try #require(job["job_id"]?.stringValue))")
            #expect(view["counts"]?["expired"] == 1 && view["failures"] == 1 && view["done"] == false)
        }
    }
}
