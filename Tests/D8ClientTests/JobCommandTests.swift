import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 job` and D8Client's jobs against a real `d8 serve`, the test playing the worker.
@Suite("Jobs from the CLI and the client")
struct JobCommandTests {
    /// Completes every task the worker is handed, its output the task's `n` doubled, until `count` are done.
    static func serve(_ worker: FakeWorker, count: Int) async throws {
        for _ in 0..<count {
            let task = try await worker.lease()
            let n = task.data["n"]?.intValue ?? -1
            try await worker.complete(task, with: ["output": .string("\(n * 2)")])
        }
    }

    @Test func submitWaitWritesTheResultsInOrderAsJSONLines() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        let file = temporaryDirectory() + "/tasks.jsonl"
        let lines = (0..<5).map { #"{"type": "echo", "data": {"n": \#($0)}}"# }
        try (lines.joined(separator: "\n") + "\n\n").write(toFile: file, atomically: true, encoding: .utf8)

        async let served: Void = Self.serve(worker, count: 5)
        let run = try await d8(["job", "submit", "--file", file, "--wait", "--name", "five", "--orchestrator", orchestrator.url])
        try await served
        #expect(run.status == 0, "\(run.stderr)")
        let results = try run.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(results.map { $0["result"]?["output"]?.stringValue } == ["0", "2", "4", "6", "8"], "\(run.stdout)")
        #expect(results.allSatisfy { $0["status"] == "completed" })
        let jobID = try #require(run.stderr.split(separator: " ").dropFirst().first.map { String($0.dropLast()) })

        let status = try await d8(["job", "status", jobID, "--orchestrator", orchestrator.url])
        #expect(status.status == 0 && status.stdout.contains("(five): 5/5 finished · 0 failed"), "\(status.stdout)\(status.stderr)")
    }

    @Test func aBadLineIsNamedByFileAndLineAndNothingIsSubmitted() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let file = temporaryDirectory() + "/tasks.jsonl"
        try "{\"type\": \"echo\", \"data\": {}}\n{\"type\": \"echo\", \"data\": {\"n\": 1,}}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try await d8(["job", "submit", "--file", file, "--orchestrator", orchestrator.url])
        #expect(run.status == 2)
        #expect(run.stderr.contains("\(file):2: invalid JSON at column"), "\(run.stderr)")

        try "{\"type\": \"echo\", \"data\": {}}\n\n{\"type\": \"echo\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let missing = try await d8(["job", "submit", "--file", file, "--orchestrator", orchestrator.url])
        #expect(missing.status == 2 && missing.stderr.contains("\(file):3: missing field 'data'"), "\(missing.stderr)")
        #expect(try await orchestrator.client.queue()["total"] == 0)
    }

    @Test func theClientSubmitsWaitsAndCancelsJobs() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let worker = try await orchestrator.worker()
        let tasks = (0..<3).map { TaskSubmission(type: "echo", data: ["n": JSONValue($0)]) }
        let submitted = try await client.submitJob(tasks, name: "three")
        #expect(submitted.total == 3 && !submitted.isDone)
        async let served: Void = Self.serve(worker, count: 3)
        let done = try await client.waitJob(submitted.jobID, timeout: .seconds(20))
        try await served
        #expect(done.isDone && done.results.map(\.result?["output"]) == ["0", "2", "4"])

        let other = try await client.submitJob(tasks, deadline: .in(600))
        let outcome: Result<JobStatus, D8ClientError>
        do throws(D8ClientError) {
            outcome = .success(try await client.waitJob(other.jobID, timeout: .milliseconds(300)))
        } catch {
            outcome = .failure(error)
        }
        guard case let .failure(.jobTimedOut(id, last)) = outcome else { Issue.record("the wait should run out: \(outcome)"); return }
        #expect(id == other.jobID && last.finished == 0)
        let cancelled = try await client.cancelJob(other.jobID)
        #expect(cancelled.isDone && cancelled.counts["cancelled"] == 3)
    }
}
