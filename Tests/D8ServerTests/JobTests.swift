import D8Core
import D8Harness
import Foundation
import Testing

/// Jobs through a live orchestrator, the test acting as the worker: one handle on many tasks,
/// results in submission order, one wait, one cancel, and a restart in the middle.
@Suite("Jobs")
struct JobTests {
    static func tasks(_ count: Int, from first: Int = 0) -> JSONValue {
        .array((first..<first + count).map { ["type": "echo", "data": ["n": JSONValue($0)]] })
    }

    /// Leases everything the worker can take and reports each task's `n` doubled.
    static func work(_ client: HTTPTestClient, worker: String = "w") async throws -> Int {
        let leased = try await client.poll(worker, max: 100)["tasks"]?.arrayValue ?? []
        for task in leased {
            let n = task["data"]?["n"]?.intValue ?? -1
            #expect(try await client.report(task, worker: worker, output: "\(n * 2)", extra: ["cost_usd": 0.001]).status == 200)
        }
        return leased.count
    }

    @Test func aJobAnswersItsResultsInSubmissionOrderOnceEveryTaskFinished() async throws {
        try await withLiveServer { server in
            let client = server.client
            let submitted = try await client.post("/api/jobs", ["name": "doubling", "tasks": Self.tasks(5)])
            #expect(submitted.status == 201, "\(submitted.body)")
            let id = try #require(submitted["job_id"]?.stringValue)
            #expect(submitted["total"] == 5 && submitted["task_ids"]?.arrayValue?.count == 5)

            let before = try await client.get("/api/jobs/\(id)")
            #expect(before["done"] == false && before["finished"] == 0 && before["progress"] == 0)
            #expect(before["counts"]?["pending"] == 5 && before["name"] == "doubling")

            // A long-poll on the job is answered when the last task finishes, not before.
            async let waited = client.get("/api/jobs/\(id)?wait=20")
            try await client.register("w", slots: 5)
            #expect(try await Self.work(client) == 5)
            let job = try await waited
            #expect(job["done"] == true && job["finished"] == 5 && job["progress"] == 1 && job["failures"] == 0, "\(job.body)")
            #expect(job["counts"]?["completed"] == 5)
            #expect(abs((job["cost_usd"]?.doubleValue ?? 0) - 0.005) < 1e-9)
            let results = try #require(job["results"]?.arrayValue)
            #expect(results.map { $0["task_id"] } == submitted["task_ids"]?.arrayValue)
            #expect(results.map { $0["result"]?["output"]?.stringValue } == ["0", "2", "4", "6", "8"])
            #expect(results.allSatisfy { $0["status"] == "completed" && $0["d8_status"] == "completed" && $0["error"] == .null })
            // Each task is a task like any other, naming its job.
            let first = try #require(results.first?["task_id"]?.stringValue)
            #expect(try await client.status(first)["job_id"]?.stringValue == id)
            #expect(try await client.get("/api/jobs/\(id)?results=false")["results"] == nil)
        }
    }

    @Test func cancellingAJobCancelsWhatHasNotFinishedAndKeepsTheRest() async throws {
        try await withLiveServer { server in
            let client = server.client
            let id = try #require(try await client.post("/api/jobs", ["tasks": Self.tasks(4)])["job_id"]?.stringValue)
            try await client.register("w", slots: 1)
            #expect(try await Self.work(client) == 1, "one finishes before the cancel")
            let leased = try #require(try await client.poll("w")["task"], "one is running at the cancel")

            let cancelled = try await client.post("/api/jobs/\(id)/cancel")
            #expect(cancelled.status == 200)
            #expect(cancelled["cancelled"] == 3, "the running one and the two queued: \(cancelled.body)")
            #expect(cancelled["done"] == true)
            #expect(try await client.report(leased, worker: "w").status == 409, "its lease ended with the cancel")

            let job = try await client.get("/api/jobs/\(id)?wait=5")
            #expect(job["counts"]?["completed"] == 1 && job["counts"]?["cancelled"] == 3)
            let results = try #require(job["results"]?.arrayValue)
            #expect(results.map { $0["status"]?.stringValue } == ["completed", "failed", "failed", "failed"], "D8's words")
            #expect(results.dropFirst().allSatisfy { $0["d8_status"] == "cancelled" && $0["error"]?.stringValue != nil })
            #expect(try await client.post("/api/jobs/\(id)/cancel")["cancelled"] == 0, "cancelling again changes nothing")
        }
    }

    @Test func aJobIsRefusedWholeWhenOneTaskIsBadAndUnknownJobsAre404() async throws {
        try await withLiveServer { server in
            let client = server.client
            var tasks = Self.tasks(3).arrayValue!
            tasks[1] = ["type": "no-such-type", "data": [:]]
            let refused = try await client.post("/api/jobs", ["tasks": .array(tasks)])
            #expect(refused.status == 422 && refused["error"]?.stringValue?.contains("no-such-type") == true, "\(refused.body)")
            #expect(try await client.get("/api/tasks/queue")["total"] == 0, "nothing of it was stored")

            let keyed = try await client.post("/api/jobs", ["tasks": [["type": "echo", "data": [:], "idempotency_key": "k"]]])
            #expect(keyed.status == 400 && keyed["error"]?.stringValue?.contains("idempotency_key") == true)
            #expect(try await client.post("/api/jobs", ["tasks": []]).status == 400)
            #expect(try await client.post("/api/jobs", ["name": 7, "tasks": Self.tasks(1)]).status == 400)
            let missing = try await client.get("/api/jobs/nope")
            #expect(missing.status == 404 && missing["code"] == "job_not_found")
            #expect(try await client.post("/api/jobs/nope/cancel").status == 404)
            #expect(try await client.get("/api/jobs/nope?wait=x").status == 400)
        }
    }

    @Test func anotherClientKeysJobIsNotFound() async throws {
        let configure: @Sendable (inout D8Config) -> Void = { config in
            config.auth.clientKeys = [ClientKey(name: "alpha", key: "ck-alpha"), ClientKey(name: "beta", key: "ck-beta")]
        }
        try await withLiveServer(configure) { server in
            let id = try #require(try await server.client("ck-alpha").post("/api/jobs", ["tasks": Self.tasks(2)])["job_id"]?.stringValue)
            #expect(try await server.client("ck-alpha").get("/api/jobs/\(id)").status == 200)
            #expect(try await server.client("ck-beta").get("/api/jobs/\(id)").status == 404)
            #expect(try await server.client("ck-beta").post("/api/jobs/\(id)/cancel").status == 404)
        }
    }

    /// The orchestrator stops in the middle of a job; started again on the same data, the job
    /// has its finished results and its unfinished tasks run.
    @Test func aJobSurvivesARestartInTheMiddle() async throws {
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        let id = try await withLiveServer(config: config) { server in
            let client = server.client
            let id = try #require(try await client.post("/api/jobs", ["name": "long", "tasks": Self.tasks(6)])["job_id"]?.stringValue)
            try await client.register("w", slots: 2)
            #expect(try await Self.work(client) == 2)
            #expect(try await client.poll("w", max: 1)["tasks"]?.arrayValue?.count == 1, "one is leased at the stop")
            return id
        }
        try await withLiveServer(config: config) { server in
            let client = server.client
            let job = try await client.get("/api/jobs/\(id)")
            #expect(job["total"] == 6 && job["finished"] == 2 && job["name"] == "long", "\(job.body)")
            try await client.register("w", slots: 10)
            #expect(try await Self.work(client) == 4, "the leased one is queued again with the three others")
            let done = try await client.get("/api/jobs/\(id)?wait=10")
            #expect(done["done"] == true)
            #expect(done["results"]?.arrayValue?.map { $0["result"]?["output"]?.stringValue } == ["0", "2", "4", "6", "8", "10"])
        }
    }
}
