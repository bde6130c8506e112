import D8Core
import Logging

/// What a worker needs from its worker type before it can register: the plugin instance made
/// from the type's settings, the capabilities it announces, and its rate limits.
public struct WorkerSetup: Sendable {
    public let instance: PluginInstance
    public let description: JSONValue
    public let slots: Int
    private let settings: [String: JSONValue]

    /// Finds the worker type's plugin in `pluginsDir`, creates it with the type's settings
    /// (secrets already resolved; never logged) and asks it to describe itself.
    public init(workerType: WorkerTypeConfig, pluginsDir: String, slots: Int? = nil, logger: Logger) throws(PluginError) {
        self.slots = slots ?? workerType.slots
        let plugin = try PluginLoader.find(named: workerType.plugin, in: pluginsDir)
        var settings = workerType.settings.mapValues(\.jsonValue)
        settings["slots"] = JSONValue(self.slots)
        self.settings = settings
        instance = try plugin.makeInstance(config: .object(settings), logger: logger)
        description = try instance.describe()
    }

    /// The `capabilities` of the registration: the plugin's self-description plus the slots.
    public var capabilities: JSONValue {
        var object = description.objectValue ?? [:]
        object["plugin"] = [
            "name": .string(instance.plugin.name), "version": .string(instance.plugin.version),
            "abi_version": JSONValue(Int(instance.plugin.abiVersion)),
        ]
        object["slots"] = JSONValue(slots)
        return .object(object)
    }

    /// The provider's limits: the worker type's `requests_per_minute` and `tokens_per_minute`,
    /// else what the plugin's description reports (a plugin may know its provider's defaults).
    public var rateLimiter: RateLimiter {
        func limit(_ key: String) -> Int? { settings[key]?.intValue ?? description["limits"]?[key]?.intValue }
        return RateLimiter(requestsPerMinute: limit("requests_per_minute"), tokensPerMinute: limit("tokens_per_minute"))
    }
}
