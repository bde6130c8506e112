/// A kind of task and the worker types that may serve it.
public struct TaskTypeConfig: Sendable, Equatable {
    public var name: String
    /// Worker type names, in the order the strategy reads them.
    public var route: [String]
    /// Every other key: `strategy`, `max_cost_usd`, `prompt`...
    public var settings: [String: ConfigValue]

    public init(name: String, route: [String], settings: [String: ConfigValue] = [:]) {
        self.name = name
        self.route = route
        self.settings = settings
    }
}
