/// The OpenAI-compatible front door: how long a request waits, how often a waiting stream
/// hears from d8, and the model aliases its callers may name.
public struct FrontDoorConfig: Sendable, Equatable {
    /// How long a request waits for its answer unless it says otherwise (`x-d8-timeout`).
    public var timeout: Duration = .seconds(120)
    /// A streaming request still queued after this gets its 200 and an SSE comment
    /// (`: queued`) every `keepalive`, so proxies and clients keep the connection open.
    public var keepalive: Duration = .seconds(5)
    /// `models:` in the config, in file order.
    public var aliases: [ModelAlias] = []

    public init() {}
}

/// `models: { fast: { route: [groq, deepseek], strategy: cheapest, max_cost_usd: 0.01 } }`:
/// a name a caller may give as `model`, routed like a task type.
public struct ModelAlias: Sendable, Equatable {
    public var name: String
    public var route: [String]
    public var strategy: RoutingStrategy = .cheapest
    public var maxCostUSD: Double?

    public init(name: String, route: [String]) {
        self.name = name
        self.route = route
    }
}

extension D8Config {
    /// The prefix of the task types front-door requests run as: `chat:<alias>`, `chat:<worker type>`.
    public static let chatTaskPrefix = "chat:"

    /// The task type an OpenAI request runs as, so that routing, ceilings, budgets, stats and
    /// the queues treat it exactly as a D8 task: an alias's route, strategy and ceiling, or
    /// one worker type alone. Not in `taskTypes`: they follow from the aliases and worker types.
    func chatTaskType(named name: String) -> TaskTypeConfig? {
        guard name.hasPrefix(Self.chatTaskPrefix) else { return nil }
        let target = name.dropFirst(Self.chatTaskPrefix.count)
        if let alias = frontDoor.aliases.first(where: { $0.name == target }) {
            var type = TaskTypeConfig(name: name, route: alias.route)
            type.strategy = alias.strategy
            type.maxCostUSD = alias.maxCostUSD
            return type
        }
        return workerTypes.contains { $0.name == target } ? TaskTypeConfig(name: name, route: [String(target)]) : nil
    }

    /// Every task type whose route names `workerType`, the front door's included: what a
    /// worker of that type may be handed (a cluster node claims these for it).
    public func taskTypeNames(routedTo workerType: String) -> [String] {
        taskTypes.filter { $0.route.contains(workerType) }.map(\.name)
            + frontDoor.aliases.filter { $0.route.contains(workerType) }.map { Self.chatTaskPrefix + $0.name }
            + [Self.chatTaskPrefix + workerType]
    }
}
