import D8Core
import D8Store
import Hummingbird
import ServiceLifecycle

/// Client endpoints for tasks, and the result endpoint workers post to.
struct TaskController {
    let orchestrator: Orchestrator
    var maxBody: Int { orchestrator.config.server.maxBodyBytes }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.post("/api/tasks/submit", use: submit)
        router.post("/api/tasks/batch", use: batch)
        router.get("/api/tasks/status/:task_id", use: status)
        router.post("/api/tasks/:task_id/cancel", use: cancel)
        router.get("/api/tasks/queue", use: queue)
        router.post("/api/tasks/:task_id/result", use: result)
        router.post("/api/workers/results", use: legacyResult)
    }

    @Sendable func submit(_ request: Request, context: D8RequestContext) async throws -> Response {
        let submission = try Self.submission(from: try await request.jsonObject(maxBytes: maxBody))
        let (record, created) = try await orchestrator.submit([submission], client: context.clientName)[0]
        var body = TaskView(record).json.objectValue ?? [:]
        // D8 answered "submitted"; a repeated idempotency key returns the first task as it is now.
        body["status"] = created ? "submitted" : .string(record.status.rawValue)
        body["duplicate"] = .bool(!created)
        return .json(.object(body), status: created ? .created : .ok)
    }

    @Sendable func batch(_ request: Request, context: D8RequestContext) async throws -> Response {
        let body = try await request.jsonObject(maxBytes: maxBody)
        guard let items = body["tasks"] else { throw APIError.missing("tasks") }
        guard let list = items.arrayValue, !list.isEmpty, list.count <= 10_000 else {
            throw APIError(.invalidField, "field 'tasks' must be an array of 1 to 10000 task objects")
        }
        var submissions: [Submission] = []
        for (index, item) in list.enumerated() {
            guard let object = item.objectValue else {
                throw APIError(.invalidField, "tasks[\(index)] must be a JSON object, got \(item.kindDescription)")
            }
            do { submissions.append(try Self.submission(from: object)) } catch {
                throw APIError(error.code, "tasks[\(index)]: \(error.message)")
            }
        }
        let records = try await orchestrator.submit(submissions, client: context.clientName)
        return .json(["task_ids": .array(records.map { .string($0.record.taskID) }), "count": JSONValue(records.count), "status": "submitted"], status: .created)
    }

    /// `GET /api/tasks/status/{id}`, and with `?wait=<seconds>` a long-poll that answers as
    /// soon as the task is finished (or when the wait, capped by `max_long_poll`, runs out).
    @Sendable func status(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        guard let text = request.uri.queryParameters["wait"] else { return .json(try await orchestrator.task(id).json) }
        let cap = orchestrator.config.queue.maxLongPoll.seconds
        guard let wait = Double(text), wait.isFinite, wait >= 0 else {
            throw APIError(.invalidField, "query 'wait' must be a number of seconds from 0 to \(Int(cap))")
        }
        let orchestrator = self.orchestrator
        let view = try await withGracefulShutdownHandler {
            try await orchestrator.waitUntilFinished(id, wait: Duration.milliseconds(Int64(min(wait, cap) * 1000)))
        } onGracefulShutdown: {
            orchestrator.beginShutdown()
        }
        return .json(view.json)
    }

    @Sendable func cancel(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        return .json(try await orchestrator.cancel(taskID: id).json)
    }

    @Sendable func queue(_ request: Request, context: D8RequestContext) async throws -> Response {
        let limit = request.uri.queryParameters.get("limit", as: Int.self).map { min(max($0, 0), 10_000) } ?? 100
        return .json(orchestrator.queueSnapshot(limit: limit))
    }

    @Sendable func result(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        let body = try await request.jsonObject(maxBytes: maxBody)
        return try await report(taskID: id, body: body)
    }

    /// D8's `POST /api/workers/results` with `{"task_id","worker_id","result"}`.
    @Sendable func legacyResult(_ request: Request, context: D8RequestContext) async throws -> Response {
        let body = try await request.jsonObject(maxBytes: maxBody)
        return try await report(taskID: try body.requiredString("task_id"), body: body)
    }

    private func report(taskID: String, body: [String: JSONValue]) async throws -> Response {
        let outcome = try await orchestrator.report(
            taskID: taskID, workerID: try body.requiredString("worker_id"),
            lease: try body.optionalString("lease"), result: try body.requiredObject("result")
        )
        return .json(["status": .string(outcome.rawValue), "task_id": .string(taskID)])
    }

    static func submission(from body: [String: JSONValue]) throws(APIError) -> Submission {
        Submission(
            type: try body.requiredString("type"), data: try body.requiredObject("data"),
            priority: try body.priority(), idempotencyKey: try body.optionalString("idempotency_key"),
            maxCostUSD: try body.optionalUSD("max_cost_usd")
        )
    }
}
