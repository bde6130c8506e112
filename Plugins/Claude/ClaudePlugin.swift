import D8PluginKit

/// The C entry point: the table of d8_plugin.h behind `ClaudePlugin`.
@_cdecl("d8_plugin_entry")
public func d8PluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(ClaudePlugin.self, hostABI: hostABI)
}

/// Anthropic's Claude through the Messages API.
struct ClaudePlugin: ChatProviderPlugin {
    static let name = "claude"
    static let version = "1.0.0"
    static let defaultBaseURL = "https://api.anthropic.com"
    static let defaultModel = "claude-sonnet-4-5"

    let engine: ChatEngine

    init(settings: PluginSettings, host: PluginHost) throws(PluginSetupError) {
        let apiKey = try settings.requireAPIKey(environmentVariable: "ANTHROPIC_API_KEY")
        let codec = ClaudeCodec(baseURL: settings.baseURL ?? Self.defaultBaseURL, apiKey: apiKey)
        engine = ChatEngine(name: Self.name, version: Self.version, settings: settings, host: host,
                            builtInPrices: Self.prices, defaultModel: Self.defaultModel, codec: codec)
    }

    /// USD per million tokens, from Anthropic's pricing page (platform.claude.com/docs/about-claude/pricing).
    /// Dated snapshots ("claude-sonnet-4-5-20250929") take their alias's price. Cache reads cost
    /// 0.1 × input and 5-minute cache writes 1.25 × input (`ModelPrice.anthropic`).
    static let prices: [String: ModelPrice] = [
        "claude-opus-4-5": .anthropic(input: 5, output: 25),
        "claude-opus-4-1": .anthropic(input: 15, output: 75),
        "claude-opus-4-0": .anthropic(input: 15, output: 75),
        "claude-sonnet-4-5": .anthropic(input: 3, output: 15),
        "claude-sonnet-4-0": .anthropic(input: 3, output: 15),
        "claude-haiku-4-5": .anthropic(input: 1, output: 5),
        "claude-3-5-haiku": .anthropic(input: 0.80, output: 4),
    ]
}
