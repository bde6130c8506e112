import D8Core
import D8Harness
import Foundation
import Testing

/// A real `d8 serve` process is killed with SIGKILL while it holds pending and leased tasks;
/// restarted on the same data folder, it has every accepted task again.
@Suite("Restart after SIGKILL")
struct RestartTests {
    @Test func everyAcceptedTaskSurvivesAKill() async throws {
        let dataDir = temporaryDirectory()
        var serve = try ServeProcess.start(dataDir: dataDir)
        var client = HTTPTestClient(port: serve.port)
        try await client.register("w", slots: 5)
        var ids: [String] = []
        for n in 0..<50 { ids.append(try #require(try await client.submit(data: ["n": JSONValue(n)])["task_id"]?.stringValue)) }
        let leased = try #require(try await client.poll("w", max: 5)["tasks"]?.arrayValue)
        #expect(leased.count == 5)
        _ = try await client.report(leased[0], worker: "w", output: "finished before the kill")

        serve.kill()
        serve = try ServeProcess.start(dataDir: dataDir)
        defer { serve.kill() }
        client = HTTPTestClient(port: serve.port)

        for id in ids { #expect(try await client.status(id).status == 200, "task \(id) is known after the restart") }
        #expect(try await client.status(ids[0])["status"] == "completed")
        #expect(try await client.status(ids[0])["result"]?["output"] == "finished before the kill")
        let queue = try await client.get("/api/tasks/queue")
        #expect(queue["total"] == 49, "45 pending and the 4 that were leased are queued again")

        // The old lease died with the old process: its result is refused, and the task runs again.
        try await client.register("w", slots: 50)
        #expect(try await client.report(leased[1], worker: "w").status == 409)
        let again = try #require(try await client.poll("w", max: 50)["tasks"]?.arrayValue)
        #expect(again.count == 49)
        for task in again { #expect(try await client.report(task, worker: "w").status == 200) }
        for id in ids { #expect(try await client.status(id)["status"] == "completed") }
    }

    @Test func sigtermAnswersLongPollsAndExitsCleanly() async throws {
        let serve = try ServeProcess.start(dataDir: temporaryDirectory())
        let client = HTTPTestClient(port: serve.port)
        try await client.register("w")
        async let polled = client.poll("w", wait: 30)
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        serve.terminate()
        let reply = try await polled
        #expect(reply.status == 200)
        #expect(reply["task"] == .null)
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(serve.waitForExit() == 0)
    }
}
