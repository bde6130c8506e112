import D8Client
import D8Core
import Foundation
import Synchronization
import Testing

/// `D8Client` against a real orchestrator, with the test as the worker.
@Suite("D8Client")
struct ClientLibraryTests {
    @Test func submitsTasksAndReadsTheirStatus() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client

        let task = TaskSubmission(type: "echo", data: ["n": 1], priority: 7, idempotencyKey: "job-1")
        let submitted = try await client.submit(task)
        #expect(!submitted.isDuplicate)
        let status = try await client.status(submitted.id)
        #expect(status.id == submitted.id)
        #expect(status.type == "echo")
        #expect(status.status == .pending)
        #expect(status.attempt == 0)
        #expect(status.result == nil)
        #expect(status.json["priority"] == 7)
        #expect(status.json["data"] == ["n": 1])
        #expect(status.createdAt.map { abs($0 - Date().timeIntervalSince1970) < 60 } == true)

        let again = try await client.submit(task)
        #expect(again.id == submitted.id && again.isDuplicate, "the idempotency key returns the first task")

        let ids = try await client.submit(batch: (0..<3).map { TaskSubmission(type: "echo", data: ["n": JSONValue($0)]) })
        #expect(ids.count == 3 && Set(ids).count == 3)
        for (n, id) in ids.enumerated() {
            #expect(try await client.status(id).json["data"] == ["n": JSONValue(n)])
        }
    }

    @Test func waitIsWokenByTheResult() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let worker = try await orchestrator.worker("w-fast")
        let id = try await client.submit(TaskSubmission(type: "echo", data: ["prompt": "hi"])).id

        let start = ContinuousClock.now
        async let waited = client.wait(for: id, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(300))
        try await worker.complete(try await worker.lease(), with: ["output": "hello there"])

        let status = try await waited
        let elapsed = ContinuousClock.now - start
        #expect(status.status == .completed)
        #expect(status.output == "hello there")
        #expect(status.assignedTo == "w-fast")
        #expect(status.attempt == 1)
        #expect(status.completedAt != nil)
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3), "woken by the result, not by a poll interval: \(elapsed)")
    }

    @Test func waitRunsOutWithTheLastStatus() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let id = try await client.submit(TaskSubmission(type: "echo", data: [:])).id

        let start = ContinuousClock.now
        let error = await #expect(throws: D8ClientError.self) { try await client.wait(for: id, timeout: .milliseconds(700)) }
        let elapsed = ContinuousClock.now - start
        guard case let .timedOut(taskID, last)? = error else { Issue.record("not a timeout: \(String(describing: error))"); return }
        #expect(taskID == id)
        #expect(last.status == .pending)
        #expect(elapsed >= .milliseconds(700) && elapsed < .seconds(5), "\(elapsed)")
        #expect(error?.description == "task \(id) is still pending (attempt 0) after the wait ran out")
    }

    @Test func aFailedTaskKeepsTheWorkersError() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let worker = try await orchestrator.worker()
        let id = try await client.submit(TaskSubmission(type: "echo", data: [:])).id
        try await worker.fail(try await worker.lease(), error: "the provider said no")

        let status = try await client.wait(for: id, timeout: .seconds(10))
        #expect(status.status == .failed)
        #expect(status.status.isUnsuccessful)
        #expect(status.errors.map(\.message) == ["the provider said no"])
        #expect(status.errors.first?.attempt == 1)
        #expect(status.errorMessage == "the provider said no")
    }

    @Test func progressHearsTheStatusWhileWaiting() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let worker = try await orchestrator.worker()
        let id = try await client.submit(TaskSubmission(type: "echo", data: [:])).id
        let task = try await worker.lease()

        let heard = Mutex<[TaskState]>([])
        async let waited = client.wait(for: id, timeout: .seconds(20)) { status in heard.withLock { $0.append(status.status) } }
        try await Task.sleep(for: .milliseconds(2500)) // past one 2 s poll
        try await worker.complete(task, with: ["output": "done"])
        #expect(try await waited.status == .completed)
        #expect(heard.withLock { $0 }.first == .assigned)
        #expect(heard.withLock { $0 }.last == .completed)
    }

    @Test func cancelsAPendingTask() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let id = try await client.submit(TaskSubmission(type: "echo", data: [:])).id
        #expect(try await client.cancel(id).status == .cancelled)
        let start = ContinuousClock.now
        #expect(try await client.wait(for: id, timeout: .seconds(20)).status == .cancelled)
        #expect(ContinuousClock.now - start < .seconds(2), "a finished task answers at once")
    }

    @Test func readsStatsWorkersAndQueue() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        _ = try await orchestrator.worker("w-listed")
        let low = try await client.submit(TaskSubmission(type: "echo", data: [:], priority: 2)).id
        let high = try await client.submit(TaskSubmission(type: "code_generation", data: ["prompt": "x"], priority: 9)).id

        let stats = try await client.stats()
        #expect(stats["tasks"]?["pending"] == 2)
        #expect(stats["workers"]?["total"] == 1)
        let workers = try await client.workers()
        #expect(workers["workers"]?.arrayValue?.compactMap { $0["worker_id"]?.stringValue } == ["w-listed"])
        let queue = try await client.queue()
        #expect(queue["tasks"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue } == [high, low], "dispatch order: higher priority first")
        #expect(queue["by_type"] == ["echo": 1, "code_generation": 1])
    }
}
