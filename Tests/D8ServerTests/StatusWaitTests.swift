import D8Core
import D8Harness
import Foundation
import Testing

/// `GET /api/tasks/status/{id}?wait=S`: a client waits for a result without polling.
@Suite("Waiting for a task to finish")
struct StatusWaitTests {
    @Test func answersAsSoonAsTheTaskCompletes() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)

            let start = ContinuousClock.now
            async let waited = client.get("/api/tasks/status/\(id)?wait=20")
            try await Task.sleep(for: .milliseconds(300))
            let task = try #require(try await client.poll("w", wait: 5)["task"])
            #expect(try await client.report(task, worker: "w", output: "finished").status == 200)

            let reply = try await waited
            #expect(reply.status == 200)
            #expect(reply["status"] == "completed")
            #expect(reply["result"]?["output"] == "finished")
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(10), "woken by the result, not by the wait running out: \(elapsed)")
        }
    }

    @Test func answersWithTheCurrentStatusWhenTheWaitRunsOut() async throws {
        try await withLiveServer { server in
            let client = server.client
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let start = ContinuousClock.now
            let reply = try await client.get("/api/tasks/status/\(id)?wait=0.4")
            #expect(reply.status == 200)
            #expect(reply["status"] == "pending")
            #expect(ContinuousClock.now - start >= .milliseconds(400))
        }
    }

    @Test func aFinishedTaskAnswersAtOnceAndBadWaitsAreRefused() async throws {
        try await withLiveServer { server in
            let client = server.client
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            #expect(try await client.post("/api/tasks/\(id)/cancel").status == 200)
            let start = ContinuousClock.now
            #expect(try await client.get("/api/tasks/status/\(id)?wait=30")["d8_status"] == "cancelled")
            #expect(ContinuousClock.now - start < .seconds(2))

            #expect(try await client.get("/api/tasks/status/\(id)?wait=soon").status == 400)
            #expect(try await client.get("/api/tasks/status/\(id)?wait=-1").status == 400)
            #expect(try await client.get("/api/tasks/status/no-such-task?wait=1").status == 404)
        }
    }
}
