import D8Core
import D8Wire
import Testing

/// Each body read back from what its other side writes, and refused in words when it is wrong.
@Suite("Bodies: both sides of the wire")
struct BodyTests {
    @Test func aSubmissionReadsBackAsWritten() throws {
        let task = TaskSubmission(type: "echo", data: ["prompt": "hi"], priority: 9, idempotencyKey: "k", maxCostUSD: 0.5)
        #expect(try TaskSubmission(json: task.json.objectValue!) == task)
        let bare = TaskSubmission(type: "echo", data: [:])
        #expect(try TaskSubmission(json: bare.json.objectValue!).priority == nil)
    }

    @Test func aBadSubmissionNamesTheField() {
        #expect(throws: WireError.missing("type")) { try TaskSubmission(json: ["data": [:]]) }
        #expect(throws: WireError.invalid("data", "a JSON object", got: "text")) { try TaskSubmission(json: ["type": "echo", "data": "text"]) }
        #expect(throws: WireError(.invalidField, "field 'priority' must be an integer from 1 to 10, got 11.0")) {
            try TaskSubmission(json: ["type": "echo", "data": [:], "priority": 11])
        }
    }

    @Test func aListNamesItsBadElement() {
        let body: [String: JSONValue] = ["tasks": [["type": "echo", "data": [:]], ["data": [:]]]]
        #expect(throws: WireError(.missingField, "tasks[1]: missing field 'type'")) {
            try body.objects("tasks", limit: 10, what: "task") { object throws(WireError) in try TaskSubmission(json: object) }
        }
        #expect(throws: WireError(.invalidField, "field 'tasks' must be an array of 1 to 1 task objects")) {
            try body.objects("tasks", limit: 1, what: "task") { object throws(WireError) in try TaskSubmission(json: object) }
        }
    }

    @Test func aResultReportTakesItsIDsFromThePathOrTheBody() throws {
        let report = ResultReport(taskID: "t", workerID: "w", lease: "l", result: ["success": true, "output": "ok"])
        let body = report.json.objectValue!
        #expect(try ResultReport(json: body) == report)
        #expect(try ResultReport(json: body, taskID: "other").taskID == "other")
        #expect(try ResultReport(json: ["task_id": "t", "result": ["success": false]], workerID: "w").workerID == "w")
        #expect(throws: WireError(.missingField, "missing field 'result.success' (true or false)")) {
            try ResultReport(json: ["task_id": "t", "worker_id": "w", "result": ["output": "ok"]])
        }
    }

    @Test func outcomesReadBack() throws {
        let refused = ResultOutcome.refused("t", httpStatus: 409, code: "stale_lease", error: "lost")
        #expect(try ResultOutcome(json: refused.json) == refused && refused.isRefused)
        let received = ResultOutcome(taskID: "t", status: "received")
        #expect(try ResultOutcome(json: received.json) == received && !received.isRefused)
    }

    @Test func aRegistrationAndItsAnswerReadBack() throws {
        let registration = WorkerRegistration(workerID: "pc josé", workerType: "echo", capabilities: ["slots": 4])
        #expect(try WorkerRegistration(json: registration.json.objectValue!) == registration)
        let answer = RegistrationAnswer(workerID: "w", workerType: "echo", slots: 4, taskTypes: ["echo"],
                                        heartbeatInterval: .seconds(5), workerTimeout: .seconds(15), taskTimeout: .seconds(60))
        #expect(RegistrationAnswer(json: answer.json) == answer)
        // An older orchestrator's short answer takes D8's defaults.
        #expect(RegistrationAnswer(json: ["status": "registered"]).heartbeatInterval == .seconds(30))
    }

    @Test func aTaskStatusReadsBackAsTheServerWroteIt() throws {
        let status = TaskStatus(
            id: "t", type: "echo", status: .completed, priority: 5, data: ["prompt": "hi"], assignedTo: "w", workerType: "echo",
            attempt: 1, maxAttempts: 3, createdAt: 1, assignedAt: 2, completedAt: 3, retryAt: nil,
            result: ["success": true, "output": "hi"], errors: [], idempotencyKey: nil, costUSD: 0, maxCostUSD: nil, heldReason: nil
        )
        let read = try TaskStatus(json: status.json)
        #expect(read == status && read.output == "hi" && read.status.isFinished && read.completedAt == 3)
        #expect(throws: WireError.self) { try TaskStatus(json: ["status": "pending"]) }
    }

    @Test func statsReadBackAndKeepD8sTotals() {
        var stats = OrchestratorStats()
        stats.workers.total = 2
        stats.workers.online = 2
        stats.workers.byType = ["echo": 2]
        // The wire carries every status, zeros included.
        stats.tasks = ["pending": 3, "completed": 6, "failed": 1, "dead": 1, "assigned": 0, "held": 0, "cancelled": 0, "expired": 0]
        stats.successRate = OrchestratorStats.successRate(of: stats.tasks)
        var echo = OrchestratorStats.TaskType()
        echo.counts = ["pending": 3, "completed": 6, "failed": 1, "dead": 1, "assigned": 0, "held": 0, "cancelled": 0, "expired": 0]
        echo.queueWait = .init(p50: 0.1, p99: 0.5, samples: 7)
        stats.taskTypes = ["echo": echo]
        var cost = OrchestratorStats.Cost()
        var budget = OrchestratorStats.Budget(scope: "global")
        budget.limitUSD = 5
        budget.remainingUSD = 4
        cost.budgets = [budget]
        stats.cost = cost
        let json = stats.json
        // D8's words sum to the total (dead reads failed); d8's own words are beside them.
        #expect(json["tasks"]?["total"] == 11 && json["tasks"]?["failed"] == 2 && json["tasks"]?["pending"] == 3 && json["tasks"]?["assigned"] == 0)
        #expect(json["tasks"]?["by_d8_status"]?["dead"] == 1 && json["tasks"]?["by_d8_status"]?["held"] == 0)
        // D8's success rate is a percentage; d8's fraction is beside it.
        #expect(json["performance"]?["total_failed"] == 2 && json["performance"]?["success_rate"] == .number(75))
        #expect(json["performance"]?["success_fraction"] == .number(0.75))
        #expect(OrchestratorStats(json: json) == stats)
        // D8's answer, without d8's parts.
        let old = OrchestratorStats(json: ["workers": ["total": 1], "tasks": ["total": 1, "pending": 1]])
        #expect(old.totalTasks == 1 && old.cost == nil && old.taskTypes.isEmpty)
    }

    @Test func aLeaseCopiesDataForOldWorkersAndReadsBack() throws {
        let lease = TaskLease(taskID: "t", type: "echo", data: ["prompt": "hi", "type": "mine"], priority: 5, lease: "l",
                              attempt: 1, maxAttempts: 3, createdAt: 1, leaseExpiresAt: 61, timeout: .seconds(60))
        #expect(lease.json["prompt"] == "hi", "a data field at the top level for D8's workers")
        #expect(lease.json["type"] == "echo", "the task's own field wins a collision")
        #expect(try TaskLease(json: lease.json) == lease)
        // D8's lease-less task: defaults, and the id is required.
        let old = try TaskLease(json: ["task_id": "t", "type": "echo", "data": [:]])
        #expect(old.lease == nil && old.timeout == .seconds(120))
        #expect(throws: WireError.self) { try TaskLease(json: ["type": "echo"]) }
    }
}
