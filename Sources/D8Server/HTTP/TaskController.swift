import D8Core
import D8Store
import D8Wire
import Hummingbird
import ServiceLifecycle

/// Client endpoints for tasks, and the result endpoint workers post to.
struct TaskController {
    let orchestrator: Orchestrator
    var maxBody: Int { orchestrator.config.server.maxBodyBytes }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.submit, use: submit)
        router.add(.submitBatch, use: batch)
        router.add(.status, use: status)
        router.add(.cancel, use: cancel)
        router.add(.queue, use: queue)
        router.add(.result, use: result)
        router.add(.legacyResult, use: legacyResult)
    }

    @Sendable func submit(_ request: Request, context: D8RequestContext) async throws -> Response {
        let submission = Self.submission(try TaskSubmission(json: try await request.jsonObject(maxBytes: maxBody)))
        let (record, created) = try await orchestrator.submit([submission], client: context.clientName)[0]
        var body = TaskView(record).status.json.objectValue ?? [:]
        // D8 answered "submitted"; a repeated idempotency key returns the first task as it is now.
        // A cache hit is answered completed, with its result.
        if created, record.status != .completed { body["status"] = "submitted"; body["message"] = "Task queued successfully" }
        body["duplicate"] = .bool(!created)
        return .json(.object(body), status: created ? .created : .ok)
    }

    @Sendable func batch(_ request: Request, context: D8RequestContext) async throws -> Response {
        let body = try await request.jsonObject(maxBytes: maxBody)
        let submissions = try body.objects("tasks", limit: 10_000, what: "task") { object throws(WireError) in
            Self.submission(try TaskSubmission(json: object))
        }
        let records = try await orchestrator.submit(submissions, client: context.clientName)
        return .json(["task_ids": .array(records.map { .string($0.record.taskID) }), "count": JSONValue(records.count), "status": "submitted"], status: .created)
    }

    /// `GET /api/tasks/status/{id}`, and with `?wait=<seconds>` a long-poll that answers as
    /// soon as the task is finished (or when the wait, capped by `max_long_poll`, runs out).
    @Sendable func status(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        guard let text = request.uri.queryParameters["wait"] else { return .json(try await orchestrator.task(id, for: context.viewer).status.json) }
        let wait = try Self.longPoll(text, cap: orchestrator.config.queue.maxLongPoll.seconds)
        let orchestrator = self.orchestrator
        let viewer = context.viewer
        let view = try await withGracefulShutdownHandler {
            try await orchestrator.waitUntilFinished(id, wait: wait, for: viewer)
        } onGracefulShutdown: {
            orchestrator.beginShutdown()
        }
        return .json(view.status.json)
    }

    @Sendable func cancel(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        return .json(try await orchestrator.cancel(taskID: id, by: context.viewer).status.json)
    }

    @Sendable func queue(_ request: Request, context: D8RequestContext) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self).map { min(max($0, 0), 10_000) } ?? 100
        return .json(try await orchestrator.queueSnapshot(limit: limit, for: context.viewer))
    }

    @Sendable func result(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        return try await report(ResultReport(json: try await request.jsonObject(maxBytes: maxBody), taskID: id))
    }

    /// D8's `POST /api/workers/results` with `{"task_id","worker_id","result"}`.
    @Sendable func legacyResult(_ request: Request, context: D8RequestContext) async throws -> Response {
        try await report(ResultReport(json: try await request.jsonObject(maxBytes: maxBody)))
    }

    private func report(_ report: ResultReport) async throws -> Response {
        let outcome = try await orchestrator.report(report)
        // D8's two result endpoints answered `status: received` and `success: true`.
        var body = ResultOutcome(taskID: report.taskID, status: outcome.rawValue).json.objectValue ?? [:]
        body["success"] = true
        return .json(.object(body))
    }

    /// A long-poll's `wait` query, capped by `max_long_poll`.
    static func longPoll(_ text: Substring, cap: Double) throws(APIError) -> Duration {
        guard let wait = Double(text), wait.isFinite, wait >= 0 else {
            throw APIError(.invalidField, "query 'wait' must be a number of seconds from 0 to \(Int(cap))")
        }
        return Duration.milliseconds(Int64(min(wait, cap) * 1000))
    }

    /// The scheduler's submission: the priority a task gets when it names none, its deadline
    /// in Unix seconds.
    static func submission(_ task: TaskSubmission, now: Double = Orchestrator.epochNow()) -> Submission {
        Submission(type: task.type, data: task.data, priority: task.priority ?? TaskPriority.default,
                   idempotencyKey: task.idempotencyKey, maxCostUSD: task.maxCostUSD,
                   deadline: task.deadline?.time(from: now), usesCache: task.cache ?? true)
    }
}
