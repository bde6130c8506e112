import D8PluginKit

/// The C entry point: the table of d8_plugin.h behind `GroqPlugin`.
@_cdecl("d8_plugin_entry")
public func d8PluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(GroqPlugin.self, hostABI: hostABI)
}

/// Groq: OpenAI chat completions at https://api.groq.com/openai/v1, Bearer key.
struct GroqPlugin: ChatProviderPlugin {
    static let name = "groq"
    static let version = "1.0.0"
    static let defaultBaseURL = "https://api.groq.com/openai/v1"
    static let defaultModel = "llama-3.3-70b-versatile"

    let engine: ChatEngine

    init(settings: PluginSettings, host: PluginHost) throws(PluginSetupError) {
        let apiKey = try settings.requireAPIKey(environmentVariable: "GROQ_API_KEY")
        let codec = OpenAIChatCodec(baseURL: settings.baseURL ?? Self.defaultBaseURL, apiKey: apiKey, usageRequired: true)
        engine = ChatEngine(name: Self.name, version: Self.version, settings: settings, host: host,
                            builtInPrices: Self.prices, defaultModel: Self.defaultModel, codec: codec)
    }

    /// USD per million tokens, from groq.com/pricing (on-demand list prices).
    static let prices: [String: ModelPrice] = [
        "llama-3.3-70b-versatile": ModelPrice(input: 0.59, output: 0.79),
        "llama-3.1-8b-instant": ModelPrice(input: 0.05, output: 0.08),
    ]
}
