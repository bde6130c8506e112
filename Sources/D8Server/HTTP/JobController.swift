import D8Core
import D8Wire
import Hummingbird
import ServiceLifecycle

/// Jobs: submit many tasks under one id, watch them as one (with a long-poll), cancel them.
struct JobController {
    let orchestrator: Orchestrator
    var maxBody: Int { orchestrator.config.server.maxBodyBytes }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.submitJob, use: submit)
        router.add(.job, use: show)
        router.add(.cancelJob, use: cancel)
    }

    /// `{"name", "tasks": [...], "deadline" | "deadline_in", "priority"}`: all or nothing, like a batch.
    @Sendable func submit(_ request: Request, context: D8RequestContext) async throws -> Response {
        let body = try await request.jsonObject(maxBytes: maxBody)
        let now = Orchestrator.epochNow()
        let priority = try body.optionalPriority()
        let submissions = try body.objects("tasks", limit: 10_000, what: "task") { object throws(WireError) in
            var submission = TaskController.submission(try TaskSubmission(json: object), now: now)
            if object["priority"] == nil, let priority { submission.priority = priority }
            return submission
        }
        let (job, records) = try await orchestrator.submitJob(
            name: try body.optionalString("name"), submissions, deadline: try body.optionalDeadline()?.time(from: now),
            client: context.clientName)
        return .json([
            "job_id": .string(job.jobID), "name": JSONValue(job.name), "total": JSONValue(job.total),
            "created_at": .number(job.createdAt), "deadline": JSONValue(job.deadline),
            "task_ids": .array(records.map { .string($0.taskID) }), "status": "submitted",
        ], status: .created)
    }

    /// `GET /api/jobs/{id}`; `?wait=S` answers as soon as every task has finished (or when the
    /// wait, capped by `max_long_poll`, runs out); `?results=false` leaves the results out.
    @Sendable func show(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("job_id")
        let results = try Self.flag(request.uri.queryParameters["results"], name: "results") ?? true
        guard let text = request.uri.queryParameters["wait"] else {
            return .json(try await orchestrator.job(id, for: context.viewer).json(results: results))
        }
        let wait = try TaskController.longPoll(text, cap: orchestrator.config.queue.maxLongPoll.seconds)
        let (orchestrator, viewer) = (self.orchestrator, context.viewer)
        let view = try await withGracefulShutdownHandler {
            try await orchestrator.waitForJob(id, wait: wait, for: viewer)
        } onGracefulShutdown: {
            orchestrator.beginShutdown()
        }
        return .json(view.json(results: results))
    }

    @Sendable func cancel(_ request: Request, context: D8RequestContext) async throws -> Response {
        let (view, cancelled) = try await orchestrator.cancelJob(try context.pathParameter("job_id"), by: context.viewer)
        var body = view.json(results: false).objectValue ?? [:]
        body["cancelled"] = JSONValue(cancelled)
        return .json(.object(body))
    }

    static func flag(_ text: Substring?, name: String) throws(APIError) -> Bool? {
        switch text {
        case nil: nil
        case "true", "1": true
        case "false", "0": false
        case let text?: throw APIError(.invalidField, "query '\(name)' must be true or false, got '\(text)'")
        }
    }
}
