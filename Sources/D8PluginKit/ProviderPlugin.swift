import D8JSON

/// A provider plugin written in Swift: what `PluginExport` puts behind the C table of d8_plugin.h.
/// One value per worker type; `execute` runs on up to `slots` threads at once, hence Sendable.
public protocol ProviderPlugin: Sendable {
    /// The plugin name, as written in `plugin:` in the config ("groq").
    static var name: String { get }
    /// Semantic version ("1.0.0").
    static var version: String { get }
    /// Checks the worker type's settings; no network I/O (it runs while the worker starts).
    init(settings: PluginSettings, host: PluginHost) throws(PluginSetupError)
    /// The instance's self-description: name, version, task types, models with prices, limits.
    func describe() -> JSONValue
    /// Runs one task (the leased task object) to an outcome.
    func execute(task: JSONValue) -> ProviderOutcome
}

/// The three outcomes of the ABI, with the optional details object
/// (`{"retry_after_s":N,"http_status":429}`) for the two failures.
public enum ProviderOutcome: Sendable, Equatable {
    case ok(JSONValue)
    case retry(String, details: JSONValue? = nil)
    case fail(String, details: JSONValue? = nil)
}

/// Why `create` refused the settings; the export prefixes the plugin name.
public struct PluginSetupError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
