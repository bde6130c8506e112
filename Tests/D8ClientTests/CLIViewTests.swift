import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 status`, `stats`, `workers` and `queue`: tables for people, the server's JSON for scripts.
@Suite("d8 status, stats, workers, queue")
struct CLIViewTests {
    @Test func statusShowsATaskAndItsOutcome() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        let worker = try await orchestrator.worker("w-status")
        let done = try await client.submit(TaskSubmission(type: "echo", data: [:])).id
        try await worker.complete(try await worker.lease(), with: ["output": "line one\nline two", "cost_usd": 0.0021])
        let failed = try await client.submit(TaskSubmission(type: "echo", data: [:])).id
        try await worker.fail(try await worker.lease(), error: "quota exceeded")

        let json = try await d8(["status", done, "--json", "--orchestrator", orchestrator.url])
        #expect(json.status == 0)
        let status = try JSONValue.parse(json.stdout)
        #expect(status["task_id"] == .string(done))
        #expect(status["status"] == "completed")
        #expect(status["result"]?["output"] == "line one\nline two")

        let table = try await d8(["status", done, "--orchestrator", orchestrator.url]).stdout
        #expect(table.contains("status    completed\n"), "\(table)")
        #expect(table.contains("worker    w-status (echo)\n"), "\(table)")
        #expect(table.contains("cost      $0.0021\n"), "\(table)")
        #expect(table.contains("output    line one\n          line two\n"), "\(table)")

        let failure = try await d8(["status", failed, "--orchestrator", orchestrator.url])
        #expect(failure.status == 1)
        #expect(failure.stdout.contains("status    failed\n"), "\(failure.stdout)")
        #expect(failure.stdout.contains("error     attempt 1: quota exceeded (w-status)\n"), "\(failure.stdout)")

        let unknown = try await d8(["status", "no-such-task", "--orchestrator", orchestrator.url])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: no task with id 'no-such-task'\n")
    }

    @Test func statusWaitsForTheResult() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        let id = try await orchestrator.client.submit(TaskSubmission(type: "echo", data: [:])).id
        async let run = d8(["status", id, "--wait", "--json", "--orchestrator", orchestrator.url])
        try await worker.complete(try await worker.lease(), with: ["output": "waited for"])
        let result = try await run
        #expect(result.status == 0)
        #expect(try JSONValue.parse(result.stdout)["result"]?["output"] == "waited for")

        let pending = try await orchestrator.client.submit(TaskSubmission(type: "echo", data: [:])).id
        let timedOut = try await d8(["status", pending, "--wait", "--timeout", "0.5", "--orchestrator", orchestrator.url])
        #expect(timedOut.status == 4)
        #expect(timedOut.stderr == "error: task \(pending) is still pending (attempt 0) after the wait ran out; `d8 status \(pending) --wait` waits again\n")
    }

    @Test func statsWorkersAndQueue() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let client = orchestrator.client
        _ = try await orchestrator.worker("w-table")
        let low = try await client.submit(TaskSubmission(type: "echo", data: [:], priority: 2)).id
        let high = try await client.submit(TaskSubmission(type: "agent_action", data: ["messages": []], priority: 8)).id
        // Through the environment this time, D8's old name included.
        let environment = ["ORCHESTRATOR_URL": orchestrator.url]

        let stats = try JSONValue.parse(try await d8(["stats", "--json"], environment: environment).stdout)
        #expect(stats["tasks"]?["pending"] == 2)
        #expect(stats["workers"]?["online"] == 1)
        let statsTable = try await d8(["stats"], environment: environment).stdout
        #expect(statsTable.hasPrefix("Workers: 1 (online 1, busy 0)\nTasks:   2 (pending 2, assigned 0, held 0, completed 0, failed 0, dead 0, cancelled 0, expired 0)\n"), "\(statsTable)")
        #expect(statsTable.contains("TASK TYPE"), "\(statsTable)")
        #expect(statsTable.contains("WORKER TYPE"), "\(statsTable)")
        #expect(!statsTable.contains("BUDGET"), "no budgets reported, none shown")

        let workers = try JSONValue.parse(try await d8(["workers", "--json"], environment: ["D8_ORCHESTRATOR_URL": orchestrator.url]).stdout)
        #expect(workers["total"] == 1)
        #expect(workers["workers"]?.arrayValue?.first?["worker_id"] == "w-table")
        let workersTable = try await d8(["workers"], environment: environment).stdout.split(separator: "\n")
        #expect(workersTable.first?.hasPrefix("WORKER   TYPE  STATUS  SLOTS  COMPLETED  FAILED  LAST SEEN") == true, "\(workersTable)")
        let row = String(workersTable.dropFirst().first ?? "")
        #expect(row.hasPrefix("w-table  echo  online    0/4          0       0  ") && row.hasSuffix("s ago"), "\(row)")

        let queue = try JSONValue.parse(try await d8(["queue", "--json"], environment: environment).stdout)
        #expect(queue["tasks"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue } == [high, low])
        let queueTable = try await d8(["queue"], environment: environment).stdout
        #expect(queueTable.hasSuffix("2 pending: agent_action 1, echo 1\n"), "\(queueTable)")
        #expect(queueTable.components(separatedBy: "\n")[1].hasPrefix(high), "the first to be dispatched comes first")
    }

    @Test func statsShowsTheBudgetsWhenTheOrchestratorReportsThem() async throws {
        let stats: JSONValue = [
            "workers": ["total": 0, "online": 0, "busy": 0], "tasks": ["total": 0, "pending": 0],
            "performance": ["success_rate": 50, "success_fraction": 0.5],
            "cost": [
                "spent_today_usd": 1.25,
                "budgets": [
                    ["scope": "global", "period": "daily", "limit_usd": 10, "spent_usd": 1.25, "reserved_usd": 0.5, "remaining_usd": 8.25],
                    ["scope": "client:discovery", "period": "daily", "limit_usd": 5, "spent_usd": 0.004, "reserved_usd": 0, "remaining_usd": 4.996],
                ],
            ],
        ]
        let server = try FakeProvider { request in
            request.path == "/api/stats" ? .json(stats) : .json(["error": "no such path", "code": "not_found"], status: 404)
        }
        defer { server.stop() }
        let run = try await d8(["stats", "--orchestrator", server.baseURL])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            Workers: 0 (online 0, busy 0)
            Tasks:   0 (pending 0)
            Success: 50.0%

            Spent today: $1.25

            BUDGET            PERIOD   LIMIT    SPENT  RESERVED  REMAINING
            global            daily   $10.00    $1.25     $0.50      $8.25
            client:discovery  daily    $5.00  $0.0040     $0.00    $4.9960

            """, "\(run.stdout)")
    }
}
