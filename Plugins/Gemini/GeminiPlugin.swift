import D8PluginKit

/// The C entry point: the table of d8_plugin.h behind `GeminiPlugin`.
@_cdecl("d8_plugin_entry")
public func d8PluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(GeminiPlugin.self, hostABI: hostABI)
}

/// Google's Gemini API (generateContent).
struct GeminiPlugin: ChatProviderPlugin {
    static let name = "gemini"
    static let version = "1.0.0"
    static let defaultBaseURL = "https://generativelanguage.googleapis.com/v1beta"
    static let defaultModel = "gemini-2.5-flash"

    let engine: ChatEngine

    init(settings: PluginSettings, host: PluginHost) throws(PluginSetupError) {
        let apiKey = try settings.requireAPIKey(environmentVariable: "GEMINI_API_KEY")
        let codec = GeminiCodec(baseURL: settings.baseURL ?? Self.defaultBaseURL, apiKey: apiKey)
        engine = ChatEngine(name: Self.name, version: Self.version, settings: settings, host: host,
                            builtInPrices: Self.prices, defaultModel: Self.defaultModel, codec: codec)
    }

    /// USD per million tokens, paid tier, text input, prompts up to 200k tokens, from
    /// ai.google.dev/gemini-api/docs/pricing. (2.5 Pro charges more above 200k tokens.) Output
    /// includes thinking. Cached input is context caching's rate (storage is billed apart).
    static let prices: [String: ModelPrice] = [
        "gemini-2.5-pro": ModelPrice(input: 1.25, output: 10, cachedInput: 0.125),
        "gemini-2.5-flash": ModelPrice(input: 0.30, output: 2.50, cachedInput: 0.03),
        "gemini-2.5-flash-lite": ModelPrice(input: 0.10, output: 0.40, cachedInput: 0.01),
        "gemini-2.0-flash": ModelPrice(input: 0.10, output: 0.40, cachedInput: 0.025),
        "gemini-2.0-flash-lite": ModelPrice(input: 0.075, output: 0.30),
    ]
}
