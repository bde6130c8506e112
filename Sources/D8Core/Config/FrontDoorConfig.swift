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

    /// One task type per alias and per worker type, so that routing, ceilings, budgets, stats
    /// and the queues treat OpenAI requests exactly as D8 tasks.
    public var chatTaskTypes: [TaskTypeConfig] {
        let aliases = frontDoor.aliases.map { alias in
            var type = TaskTypeConfig(name: Self.chatTaskPrefix + alias.name, route: alias.route)
            type.strategy = alias.strategy
            type.maxCostUSD = alias.maxCostUSD
            return type
        }
        let direct = workerTypes.filter { w in !frontDoor.aliases.contains { $0.name == w.name } }.map {
            TaskTypeConfig(name: Self.chatTaskPrefix + $0.name, route: [$0.name])
        }
        return aliases + direct
    }

    /// Replaces the chat task types with those of the current aliases and worker types.
    public mutating func refreshChatTaskTypes() {
        taskTypes = taskTypes.filter { !$0.name.hasPrefix(Self.chatTaskPrefix) } + chatTaskTypes
    }
}
