import D8Core
import D8Store
import D8Wire
import Hummingbird

/// The OpenAI-compatible front door: `POST /v1/chat/completions` and the model list. Every
/// request becomes a durable task of type `chat:<alias or worker type>` before anything goes
/// upstream; the answer waits for it, streamed or whole. Also the worker's delta relay.
struct OpenAIController {
    let orchestrator: Orchestrator
    var catalog: ModelCatalog { ModelCatalog(config: orchestrator.config) }

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.chatCompletions, use: chatCompletions)
        router.add(.models, use: models)
        router.add(.model, use: model)
        router.add(.ownedModel, use: model)
        router.add(.deltas, use: deltas)
    }

    @Sendable func chatCompletions(_ request: Request, context: D8RequestContext) async throws -> Response {
        let config = orchestrator.config
        let chat = try ChatCompletionRequest(json: try await request.jsonObject(maxBytes: config.server.maxBodyBytes))
        let choice = try catalog.resolve(chat.model)
        let options = try FrontDoorOptions(request.headers, config: config.frontDoor)
        var data = chat.data
        if let model = choice.providerModel { data["model"] = .string(model) }
        try catalog.checkFields(of: .object(data), taskType: choice.taskType)
        let now = Orchestrator.epochNow()
        var submission = Submission(type: choice.taskType, data: .object(data), priority: options.priority,
                                    idempotencyKey: options.idempotencyKey, maxCostUSD: options.maxCostUSD,
                                    deadline: now + options.timeout.seconds)
        submission.holdsOverBudget = false
        submission.answeredHere = true
        let (record, _) = try await orchestrator.submit([submission], client: context.clientName)[0]
        let answer = ChatCompletion(taskID: record.taskID, created: Int(record.createdAt), model: chat.model)
        // A caller that hangs up cancels its task at once, queued or running, until its answer is out.
        let (hangUps, channel, taskID) = (orchestrator.hangUps, context.channel, record.taskID)
        hangUps.watch(channel, taskID: taskID, viewer: context.viewer)
        let exchange = ChatExchange(orchestrator: orchestrator, taskID: taskID, viewer: context.viewer, answer: answer,
                                    includeUsage: chat.includeUsage, timeout: options.timeout, keepalive: config.frontDoor.keepalive,
                                    answered: { hangUps.done(channel, taskID: taskID) })
        return chat.stream ? try await exchange.streamed() : try await exchange.whole()
    }

    @Sendable func models(_ request: Request, context: D8RequestContext) async throws -> Response {
        let now = Int(Orchestrator.epochNow())
        let ids = catalog.models(online: orchestrator.onlineModels())
        return .json(["object": "list", "data": .array(ids.map { ModelCatalog.entry($0, created: now) })])
    }

    @Sendable func model(_ request: Request, context: D8RequestContext) async throws -> Response {
        // The SDKs percent-encode the slash of "groq/llama-..." as often as not.
        var id = try context.pathParameter("model")
        if context.parameters.get("provider_model") != nil { id += "/" + (try context.pathParameter("provider_model")) }
        guard catalog.models(online: orchestrator.onlineModels()).contains(id) else { throw ModelCatalog.notFound(id) }
        return .json(ModelCatalog.entry(id, created: Int(Orchestrator.epochNow())))
    }

    /// `POST /api/tasks/{id}/deltas` `{"worker_id","lease","deltas":[...]}`: 409 tells the
    /// worker to stop (the task was cancelled, or is no longer its own).
    @Sendable func deltas(_ request: Request, context: D8RequestContext) async throws -> Response {
        let id = try context.pathParameter("task_id")
        let body = try await request.jsonObject(maxBytes: orchestrator.config.server.maxBodyBytes)
        let workerID = try body.requiredString("worker_id")
        guard let deltas = body["deltas"]?.arrayValue, deltas.allSatisfy({ $0.objectValue != nil }) else {
            throw APIError(.invalidField, "field 'deltas' must be an array of delta objects")
        }
        try orchestrator.relay(taskID: id, workerID: workerID, lease: try body.optionalString("lease"), deltas: deltas)
        return .json(["continue": true])
    }
}

extension Orchestrator {
    /// Worker types with an online worker, and the model ids their plugins described.
    func onlineModels() -> [String: Set<String>] {
        core.withLock { core in
            var online: [String: Set<String>] = [:]
            for worker in core.scheduler.workers.values {
                let ids = worker.capabilities["models"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                online[worker.workerType, default: []].formUnion(ids)
            }
            return online
        }
    }
}
