import D8Core
import D8Wire

/// What a caller's `model` means: an alias of the config, a worker type, or a worker type's
/// model (`groq/llama-3.3-70b-versatile`), each run as the task type `chat:<alias or type>`.
struct ModelCatalog: Sendable {
    let config: D8Config

    struct Choice: Sendable, Equatable {
        let taskType: String
        /// The provider's model, when the caller named one; else each worker type's default.
        let providerModel: String?
    }

    func resolve(_ model: String) throws(OpenAIError) -> Choice {
        let prefix = D8Config.chatTaskPrefix
        if config.frontDoor.aliases.contains(where: { $0.name == model }) || config.workerTypeIndex(named: model) != nil {
            return Choice(taskType: prefix + model, providerModel: nil)
        }
        if let slash = model.firstIndex(of: "/") {
            let type = String(model[..<slash]), name = String(model[model.index(after: slash)...])
            if config.workerTypeIndex(named: type) != nil, !name.isEmpty { return Choice(taskType: prefix + type, providerModel: name) }
        }
        throw Self.notFound(model)
    }

    /// A field no worker type of the route can honour is a 400 naming it (and the types);
    /// those that cannot are left out of the task's plan.
    func checkFields(of data: JSONValue, taskType: String) throws(OpenAIError) {
        guard let route = config.taskType(named: taskType)?.route else { return }
        var refusals: [(type: String, field: String)] = []
        for name in route {
            guard let index = config.workerTypeIndex(named: name) else { continue }
            guard let field = ChatFieldSupport.unhonoured(by: config.workerTypes[index], data: data) else { return }
            refusals.append((name, field))
        }
        guard let first = refusals.first else { return }
        let who = refusals.map { "\($0.type) cannot honour '\($0.field)'" }.joined(separator: ", ")
        throw .invalid(first.field, "no worker type of this model's route can serve the request: \(who)", code: "unsupported_parameter")
    }

    static func notFound(_ model: String) -> OpenAIError {
        OpenAIError(status: 404, "The model '\(model)' does not exist: name an alias of 'models:', a worker type, or '<worker type>/<model>' (GET /v1/models lists them)",
                    type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// What can be served now: each alias and worker type with an online worker on its route,
    /// and the models those workers' plugins describe. `online`: worker types with a worker,
    /// and the model ids their plugins listed.
    func models(online: [String: Set<String>]) -> [String] {
        var ids = config.frontDoor.aliases.filter { $0.route.contains { online[$0] != nil } }.map(\.name)
        for type in config.workerTypes {
            guard var known = online[type.name] else { continue }
            ids.append(type.name)
            if case let .string(model)? = type.settings["default_model"] { known.insert(model) }
            ids += known.sorted().map { "\(type.name)/\($0)" }
        }
        return ids
    }

    static func entry(_ id: String, created: Int) -> JSONValue {
        ["id": .string(id), "object": "model", "created": JSONValue(created), "owned_by": "d8"]
    }
}
