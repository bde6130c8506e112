import D8PluginKit

/// The C entry point: the table of d8_plugin.h behind `OllamaPlugin`.
@_cdecl("d8_plugin_entry")
public func d8PluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
    PluginExport.entry(OllamaPlugin.self, hostABI: hostABI)
}

/// Local models: Ollama's native /api/chat, or with `api: openai` any server speaking OpenAI
/// chat completions at {base}/v1/chat/completions (llama.cpp server, vLLM, LM Studio).
/// No key needed; every model costs 0 unless the config prices it.
struct OllamaPlugin: ChatProviderPlugin {
    static let name = "ollama"
    static let version = "1.0.0"
    static let defaultBaseURL = "http://localhost:11434"
    static let defaultModel = "llama3.2"

    let engine: ChatEngine

    init(settings: PluginSettings, host: PluginHost) throws(PluginSetupError) {
        let baseURL = settings.baseURL ?? Self.defaultBaseURL
        let codec: any ChatCodec = switch try settings.string("api") ?? "native" {
        case "native": OllamaCodec(baseURL: baseURL)
        case "openai": OpenAIChatCodec(baseURL: baseURL, path: "/v1/chat/completions", apiKey: settings.apiKey, usageRequired: false)
        case let other: throw PluginSetupError("api must be native or openai, got '\(other)'")
        }
        engine = ChatEngine(name: Self.name, version: Self.version, settings: settings, host: host,
                            builtInPrices: [:], unlistedPrice: .free, defaultModel: Self.defaultModel, codec: codec)
    }
}
