/// A kind of worker: a plugin plus its settings (API key, model, rate limits...).
public struct WorkerTypeConfig: Sendable, Equatable {
    public var name: String
    /// The plugin that serves it; defaults to the worker type's name.
    public var plugin: String
    /// Tasks one worker of this type runs at once.
    public var slots: Int
    /// Every other key, passed to the plugin's `create` as JSON.
    public var settings: [String: ConfigValue]

    public init(name: String, plugin: String? = nil, slots: Int = 1, settings: [String: ConfigValue] = [:]) {
        self.name = name
        self.plugin = plugin ?? name
        self.slots = slots
        self.settings = settings
    }
}
