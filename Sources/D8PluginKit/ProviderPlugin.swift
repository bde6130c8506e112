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
    /// Runs one task whose answer is wanted as it is written: `delta` gets each piece in
    /// OpenAI's chat.completion.chunk delta shape as the provider sends it, and returns false
    /// when the client is gone (then stop, and fail with the usage spent so far in the details).
    /// The outcome is the same as `execute`'s. By default: `execute`, then one delta.
    func executeStream(task: JSONValue, delta: (JSONValue) -> Bool) -> ProviderOutcome
}

extension ProviderPlugin {
    public func executeStream(task: JSONValue, delta: (JSONValue) -> Bool) -> ProviderOutcome {
        let outcome = execute(task: task)
        guard case let .ok(result) = outcome else { return outcome }
        guard delta(ChatDelta.wholeAnswer(result)) else { return .fail("\(Self.name): cancelled by the client", details: ChatDelta.spentOnly(result)) }
        return outcome
    }
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
