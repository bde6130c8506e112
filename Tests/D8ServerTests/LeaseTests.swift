import D8Core
import D8Harness
import Foundation
import Testing

/// Leases, heartbeats, retries and long-polls: no task is lost and none completes twice.
@Suite("Leases and failure handling")
struct LeaseTests {
    @Test func anExpiredLeaseGoesBackAndItsLateResultIsRefused() async throws {
        try await withLiveServer { $0.queue.taskTimeout = .milliseconds(300) } run: { server in
            let client = server.client
            try await client.register("slow")
            try await client.register("fast")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let first = try #require(try await client.poll("slow")["task"])

            #expect(await eventually { try await client.status(id)["status"] == "pending" })
            let second = try #require(try await client.poll("fast", wait: 5)["task"])
            #expect(second["attempt"] == 2)
            #expect(second["lease"] != first["lease"])

            let late = try await client.report(first, worker: "slow", output: "late")
            #expect(late.status == 409)
            #expect(late["code"] == "stale_lease")
            #expect(try await client.report(second, worker: "fast", output: "on time").status == 200)
            let done = try await client.status(id)
            #expect(done["result"]?["output"] == "on time")
            #expect(done["errors"]?.arrayValue?.first?["error"]?.stringValue?.contains("lease expired") == true)
        }
    }

    @Test func aSlotStaysBusyPastItsExpiredLeaseUntilTheLateResult() async throws {
        try await withLiveServer { $0.queue.taskTimeout = .milliseconds(300) } run: { server in
            let client = server.client
            try await client.register("hung", slots: 1)
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let first = try #require(try await client.poll("hung")["task"])
            #expect(await eventually { try await client.status(id)["status"] == "pending" })

            // The worker still runs the first attempt: its only slot is not free for the retry.
            #expect(try await client.poll("hung")["task"] == .null)
            let busy = try await client.get("/api/workers/list")["workers"]?.arrayValue?.first
            #expect(busy?["busy_slots"] == 1)
            // Its late result is refused, and that frees the slot.
            #expect(try await client.report(first, worker: "hung").status == 409)
            #expect(try await client.poll("hung")["task"]?["task_id"]?.stringValue == id)
        }
    }

    @Test func aSilentWorkerLosesItsTasksToAnother() async throws {
        try await withLiveServer { $0.queue.workerTimeout = .seconds(3) } run: { server in
            let client = server.client
            try await client.register("doomed")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            #expect(try await client.poll("doomed")["task"]?["task_id"]?.stringValue == id)

            try await client.register("survivor")
            // The survivor keeps heartbeating (each poll counts) while the doomed worker is silent.
            var task: JSONValue?
            let found = await eventually {
                task = try await client.poll("survivor")["task"]
                return task != nil && task != .null
            }
            #expect(found)
            #expect(task?["task_id"]?.stringValue == id)
            #expect(try await client.post("/api/workers/doomed/heartbeat").status == 404, "the reaped worker must register again")
            #expect(try await client.report(task!, worker: "survivor").status == 200)
            #expect(try await client.status(id)["status"] == "completed")
        }
    }

    @Test func aForeignOrRepeatedResultChangesNothing() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("holder")
            try await client.register("intruder")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let task = try #require(try await client.poll("holder")["task"])

            let foreign = try await client.report(task, worker: "intruder", output: "stolen")
            #expect(foreign.status == 409)
            var wrongLease = task.objectValue!
            wrongLease["lease"] = "not-the-lease"
            #expect(try await client.report(.object(wrongLease), worker: "holder").status == 409)
            #expect(try await client.status(id)["status"] == "assigned")

            #expect(try await client.report(task, worker: "holder", output: "real")["status"] == "received")
            let again = try await client.report(task, worker: "holder", output: "real")
            #expect(again.status == 200)
            #expect(again["status"] == "duplicate")
            let list = try await client.get("/api/workers/list")
            #expect(list["workers"]?.arrayValue?.first { $0["worker_id"] == "holder" }?["tasks_completed"] == 1, "counted once")
            #expect(try await client.status(id)["result"]?["output"] == "real")
        }
    }

    @Test func oldWorkersWithoutALeaseAreAcceptedWhileTheyHoldTheTask() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("old")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            _ = try #require(try await client.poll("old")["task"])
            let legacy = try await client.post("/api/workers/results", ["task_id": .string(id), "worker_id": "old", "result": ["success": true, "result": "legacy text"]])
            #expect(legacy.status == 200)
            let done = try await client.status(id)
            #expect(done["status"] == "completed")
            #expect(done["result"]?["output"] == "legacy text")
        }
    }

    @Test func retryableFailuresComeBackAndTheLastOneIsDead() async throws {
        try await withLiveServer { $0.queue.maxAttempts = 3 } run: { server in
            let client = server.client
            try await client.register("w")
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            for attempt in 1...3 {
                let task = try #require(try await client.poll("w", wait: 5)["task"], "attempt \(attempt) is handed out")
                #expect(task["attempt"] == JSONValue(attempt))
                _ = try await client.report(task, worker: "w", success: false, extra: ["error": .string("HTTP 429 (attempt \(attempt))"), "retryable": true, "retry_after": 0.05])
            }
            let dead = try await client.status(id)
            #expect(dead["d8_status"] == "dead")
            #expect(dead["errors"]?.arrayValue?.compactMap { $0["error"]?.stringValue } == ["HTTP 429 (attempt 1)", "HTTP 429 (attempt 2)", "HTTP 429 (attempt 3)"])
        }
    }

    @Test func aRetryWaitsForItsRetryAfter() async throws {
        try await withLiveServer { server in
            let client = server.client
            let (id, task) = try await client.leaseOne()
            _ = try await client.report(task, worker: "w", success: false, extra: ["error": "503", "retryable": true, "retry_after": 1.0])
            let waiting = try await client.status(id)
            #expect(waiting["status"] == "pending")
            let retryAt = try #require(waiting["retry_at"]?.doubleValue)
            #expect(retryAt - Date().timeIntervalSince1970 > 0.5)
            #expect(try await client.poll("w")["task"] == .null, "not before its retry time")
            #expect(try await client.poll("w", wait: 5)["task"]?["attempt"] == 2)
        }
    }

    @Test func aNonRetryableFailureFailsAtOnceWithTheProviderMessage() async throws {
        try await withLiveServer { server in
            let client = server.client
            let (id, task) = try await client.leaseOne()
            _ = try await client.report(task, worker: "w", success: false, extra: ["error": "401: invalid x-api-key", "retryable": false])
            let failed = try await client.status(id)
            #expect(failed["status"] == "failed")
            #expect(failed["result"]?["error"] == "401: invalid x-api-key")
        }
    }

    @Test func aLongPollIsAnsweredWhenATaskArrives() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w")
            async let polled = client.poll("w", wait: 20)
            try await Task.sleep(for: .milliseconds(200))
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            let start = ContinuousClock.now
            let task = try await polled
            #expect(task["task"]?["task_id"]?.stringValue == id)
            #expect(ContinuousClock.now - start < .seconds(5), "answered on submit, not at the end of the wait")

            let idle = ContinuousClock.now
            #expect(try await client.poll("w", wait: 0.3)["task"] == .null)
            #expect(ContinuousClock.now - idle >= .milliseconds(250), "an empty long-poll waits for its time")
        }
    }
}

@Suite("Races that must not lose or undo a task")
struct LeaseRaceTests {
    @Test func aLateResultForATaskThatDiedIsStaleNotARepeat() async throws {
        try await withLiveServer { $0.queue.taskTimeout = .milliseconds(200); $0.queue.maxAttempts = 1 } run: { server in
            let client = server.client
            let (id, task) = try await client.leaseOne()
            #expect(await eventually { try await client.status(id)["d8_status"] == "dead" })
            let late = try await client.report(task, worker: "w")
            #expect(late.status == 409)
            #expect(try await client.status(id)["d8_status"] == "dead")
        }
    }

    @Test func cancellingAFinishedTaskKeepsItsOutcome() async throws {
        try await withLiveServer { server in
            let client = server.client
            let (id, task) = try await client.leaseOne()
            _ = try await client.report(task, worker: "w", output: "kept")
            let cancelled = try await client.post("/api/tasks/\(id)/cancel")
            #expect(cancelled["status"] == "completed")
            #expect(try await client.status(id)["result"]?["output"] == "kept")
        }
    }

    @Test func aWorkerThatRegistersAgainEndsItsOldLongPoll() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w")
            async let oldPoll = client.poll("w", wait: 20)
            try await Task.sleep(for: .milliseconds(200))
            try await client.register("w") // the worker restarted
            let start = ContinuousClock.now
            #expect(try await oldPoll["task"] == .null)
            #expect(ContinuousClock.now - start < .seconds(5), "answered at once, not at the end of its wait")
            async let newPoll = client.poll("w", wait: 10)
            try await Task.sleep(for: .milliseconds(100))
            let id = try #require(try await client.submit()["task_id"]?.stringValue)
            #expect(try await newPoll["task"]?["task_id"]?.stringValue == id, "the task goes to the live poll")
        }
    }
}
