import D8Core
import D8Wire
import Hummingbird
import ServiceLifecycle

/// Worker endpoints: register, heartbeat, long-poll for tasks, unregister; and the client's
/// list of workers.
struct WorkerController {
    let orchestrator: Orchestrator
    var maxBody: Int { orchestrator.config.server.maxBodyBytes }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.register, use: register)
        router.add(.heartbeat, use: heartbeat)
        router.add(.lease, use: tasks)
        router.add(.unregister, use: unregister)
        router.add(.results, use: results)
        router.add(.legacyUnregister, use: legacyUnregister)
        router.add(.workers, use: list)
    }

    @Sendable func register(_ request: Request, context: D8RequestContext) async throws -> Response {
        let registration = try WorkerRegistration(json: try await request.jsonObject(maxBytes: maxBody))
        let entry = try await orchestrator.register(
            workerID: registration.workerID, workerType: registration.workerType, capabilities: registration.capabilities
        )
        let queue = orchestrator.config.queue
        return .json(RegistrationAnswer(
            workerID: entry.id, workerType: entry.workerType, slots: entry.slots, taskTypes: entry.taskTypes,
            heartbeatInterval: queue.heartbeatInterval, workerTimeout: queue.workerTimeout, taskTimeout: queue.taskTimeout
        ).json)
    }

    @Sendable func heartbeat(_ request: Request, context: D8RequestContext) async throws -> Response {
        try orchestrator.touch(workerID: try context.pathParameter("worker_id"))
        return .json(["status": "ok"])
    }

    /// `GET /api/workers/{id}/tasks?wait=<seconds>&max=<n>`: `{"task": ...}` or `{"task": null}`,
    /// plus `"tasks": [...]` when `max` is given.
    @Sendable func tasks(_ request: Request, context: D8RequestContext) async throws -> Response {
        let workerID = try context.pathParameter("worker_id")
        let query = request.uri.queryParameters
        let waitCap = orchestrator.config.queue.maxLongPoll.seconds
        guard let wait = Self.number(query["wait"], default: 0), wait >= 0 else {
            throw APIError(.invalidField, "query 'wait' must be a number of seconds from 0 to \(Int(waitCap))")
        }
        guard let max = Self.number(query["max"], default: 1), max >= 1, max <= 1000, max.rounded() == max else {
            throw APIError(.invalidField, "query 'max' must be an integer from 1 to 1000")
        }
        let orchestrator = self.orchestrator
        // Shutdown answers a waiting long-poll at once with no task.
        let leased = try await withGracefulShutdownHandler {
            try await orchestrator.lease(workerID: workerID, max: Int(max), wait: .milliseconds(Int64(min(wait, waitCap) * 1000)))
        } onGracefulShutdown: {
            orchestrator.beginShutdown()
        }
        var body: [String: JSONValue] = ["task": leased.first?.json ?? .null]
        if query["max"] != nil { body["tasks"] = .array(leased.map(\.json)) }
        return .json(.object(body))
    }

    /// `POST /api/workers/{id}/results` with `{"results": [{"task_id","lease","result"}, ...]}`:
    /// many results, one request, one commit. Each gets its own outcome, as the single result
    /// endpoint would have answered it.
    @Sendable func results(_ request: Request, context: D8RequestContext) async throws -> Response {
        let workerID = try context.pathParameter("worker_id")
        let body = try await request.jsonObject(maxBytes: maxBody)
        let reports = try body.objects("results", limit: 1000, what: "result") { object throws(WireError) in
            try ResultReport(json: object, workerID: workerID)
        }
        let outcomes = await orchestrator.report(reports)
        let answers: [ResultOutcome] = zip(reports, outcomes).map { report, outcome in
            switch outcome {
            case let .success(outcome): ResultOutcome(taskID: report.taskID, status: outcome.rawValue)
            case let .failure(error): .refused(report.taskID, httpStatus: Int(error.status.code), code: error.code.rawValue, error: error.message)
            }
        }
        let received = outcomes.count { if case .success = $0 { true } else { false } }
        return .json(["results": .array(answers.map(\.json)), "received": JSONValue(received)])
    }

    @Sendable func unregister(_ request: Request, context: D8RequestContext) async throws -> Response {
        try await orchestrator.unregister(workerID: try context.pathParameter("worker_id"))
        return .json(["status": "unregistered", "success": true])
    }

    /// D8's `POST /api/workers/unregister` with `{"worker_id"}`.
    @Sendable func legacyUnregister(_ request: Request, context: D8RequestContext) async throws -> Response {
        let body = try await request.jsonObject(maxBytes: maxBody)
        try await orchestrator.unregister(workerID: try body.requiredString("worker_id"))
        return .json(["status": "unregistered", "success": true])
    }

    @Sendable func list(_ request: Request, context: D8RequestContext) async throws -> Response {
        let workers: [JSONValue] = orchestrator.workerList().map { entry in
            [
                "worker_id": .string(entry.id), "worker_type": .string(entry.workerType),
                "status": .string(entry.status), "last_heartbeat": .number(entry.lastSeen),
                "registered_at": .number(entry.registeredAt), "slots": JSONValue(entry.slots),
                "busy_slots": JSONValue(entry.busySlots), "tasks_completed": JSONValue(entry.completed),
                "tasks_failed": JSONValue(entry.failed), "capabilities": entry.capabilities,
            ]
        }
        return .json(["workers": .array(workers), "total": JSONValue(workers.count)])
    }

    private static func number(_ text: Substring?, default value: Double) -> Double? {
        guard let text else { return value }
        return Double(text).flatMap { $0.isFinite ? $0 : nil }
    }
}
