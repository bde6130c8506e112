/// A kind of task: which worker types may serve it, how to choose among them, its cost
/// ceiling, and how its data becomes a prompt.
public struct TaskTypeConfig: Sendable, Equatable {
    public var name: String
    /// Worker type names, in the order the strategy reads them.
    public var route: [String]
    public var strategy: RoutingStrategy = .cheapest
    /// A worker type whose cost estimate for a task exceeds this is not eligible.
    public var maxCostUSD: Double?
    /// How long a task waits for a preferred worker type with a free slot before the next one may take it.
    public var spillAfter: Duration = RoutingStrategy.defaultSpill
    /// Output tokens assumed by the cost estimate when a task gives no `max_tokens`.
    public var maxTokens: Int?
    /// Prompt shape: a system text, and a template whose `{field}`s are filled from the data.
    /// With a template, a worker receives `data.messages` built from them.
    public var system: String?
    public var prompt: String?
    /// `cache: { ttl: 1h }`: a submit of the same data within this time of a completed task
    /// is answered with that task's result; nil: no cache.
    public var cacheTTL: Duration?
    /// Any other key, kept for the plugins.
    public var settings: [String: ConfigValue]

    public init(name: String, route: [String], settings: [String: ConfigValue] = [:]) {
        self.name = name
        self.route = route
        self.settings = settings
    }
}

/// How a task type chooses among the eligible worker types of its route.
public enum RoutingStrategy: String, Sendable, Equatable, CaseIterable {
    /// The cheapest eligible worker type with a free slot; pricier ones after the spill delay.
    case cheapest
    /// The route's order is the preference.
    case ordered
    /// The fastest by measured run time.
    case fastest

    public static let defaultSpill: Duration = .seconds(10)
}

/// Spending limits in USD per day. Client limits are on the client keys.
public struct BudgetsConfig: Sendable, Equatable {
    /// Every client and worker type together.
    public var dailyUSD: Double?
    /// Per worker type, by name.
    public var workerTypesDailyUSD: [String: Double] = [:]
    /// Where the day starts: minutes east of UTC (0: midnight UTC).
    public var utcOffsetMinutes = 0

    public init() {}

    public var isEmpty: Bool { dailyUSD == nil && workerTypesDailyUSD.isEmpty }
}
