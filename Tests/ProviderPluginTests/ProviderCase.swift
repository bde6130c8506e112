import D8Core
import D8Harness

/// What a provider's request carried, read back from its own wire format.
struct SentChat: Equatable {
    var model: String?
    var system: String?
    var turns: [String] // "role: content", in order, without the system text
    var maxTokens: Int?
    var temperature: Double?
}

/// One plugin (or plugin mode) and its wire format, so that the shared behaviour is tested
/// once for all of them.
struct ProviderCase: Sendable, CustomStringConvertible {
    let description: String
    let plugin: String
    /// Settings other than base_url.
    let settings: JSONValue
    /// Appended to the fake's URL to form base_url, so the plugin's path joining is exercised.
    let basePath: String
    let defaultModel: String
    /// Built-in USD per million input and output tokens of the default model.
    let price: (input: Double, output: Double)
    let expectedPath: @Sendable (_ model: String) -> String
    /// The header carrying the key "test-key", when the provider takes one.
    let auth: (name: String, value: String)?
    let success: @Sendable (_ text: String, _ input: Int, _ output: Int) -> FakeProvider.Handler
    let error: @Sendable (_ status: Int, _ message: String, _ headers: [(name: String, value: String)]) -> FakeProvider.Handler
    let read: @Sendable (FakeProvider.Request) -> SentChat

    func config(baseURL: String) -> [String: JSONValue] {
        var config = settings.objectValue ?? [:]
        config["base_url"] = .string(baseURL + basePath)
        return config
    }

    static let all: [ProviderCase] = [groq, gemini, claude, ollama, ollamaOpenAI]
    static let withKeys: [ProviderCase] = [groq, gemini, claude]

    static let groq = ProviderCase(
        description: "groq", plugin: "groq", settings: ["api_key": "test-key"], basePath: "/openai/v1",
        defaultModel: "llama-3.3-70b-versatile", price: (0.59, 0.79),
        expectedPath: { _ in "/openai/v1/chat/completions" }, auth: ("authorization", "Bearer test-key"),
        success: { FakeProvider.openAIChat(text: $0, promptTokens: $1, completionTokens: $2) },
        error: { FakeProvider.openAIError(status: $0, message: $1, headers: $2) },
        read: readOpenAI)

    static let gemini = ProviderCase(
        description: "gemini", plugin: "gemini", settings: ["api_key": "test-key"], basePath: "/v1beta",
        defaultModel: "gemini-2.5-flash", price: (0.30, 2.50),
        expectedPath: { "/v1beta/models/\($0):generateContent" }, auth: ("x-goog-api-key", "test-key"),
        success: { FakeProvider.gemini(text: $0, promptTokens: $1, candidatesTokens: $2) },
        error: { status, message, headers in
            { request in
                var reply = FakeProvider.geminiError(status: status, message: message)(request)
                reply.headers += headers
                return reply
            }
        },
        read: readGemini)

    static let claude = ProviderCase(
        description: "claude", plugin: "claude", settings: ["api_key": "test-key"], basePath: "",
        defaultModel: "claude-sonnet-4-5", price: (3, 15),
        expectedPath: { _ in "/v1/messages" }, auth: ("x-api-key", "test-key"),
        success: { FakeProvider.claude(text: $0, inputTokens: $1, outputTokens: $2) },
        error: { FakeProvider.claudeError(status: $0, type: "api_error", message: $1, headers: $2) },
        read: readClaude)

    static let ollama = ProviderCase(
        description: "ollama", plugin: "ollama", settings: [:], basePath: "",
        defaultModel: "llama3.2", price: (0, 0),
        expectedPath: { _ in "/api/chat" }, auth: nil,
        success: { FakeProvider.ollama(text: $0, promptEvalCount: $1, evalCount: $2) },
        error: { status, message, headers in
            { request in
                var reply = FakeProvider.ollamaError(status: status, message: message)(request)
                reply.headers += headers
                return reply
            }
        },
        read: readOllama)

    static let ollamaOpenAI = ProviderCase(
        description: "ollama (api: openai)", plugin: "ollama", settings: ["api": "openai", "api_key": "test-key"], basePath: "",
        defaultModel: "llama3.2", price: (0, 0),
        expectedPath: { _ in "/v1/chat/completions" }, auth: ("authorization", "Bearer test-key"),
        success: { FakeProvider.openAIChat(text: $0, promptTokens: $1, completionTokens: $2) },
        error: { FakeProvider.openAIError(status: $0, message: $1, headers: $2) },
        read: readOpenAI)
}

/// OpenAI chat: system first among the messages; max_tokens and temperature at the top.
private func readOpenAI(_ request: FakeProvider.Request) -> SentChat {
    let body = request.json
    let messages = body?["messages"]?.arrayValue ?? []
    return SentChat(
        model: body?["model"]?.stringValue,
        system: messages.first { $0["role"] == "system" }?["content"]?.stringValue,
        turns: messages.filter { $0["role"] != "system" }.map(turn),
        maxTokens: body?["max_tokens"]?.intValue, temperature: body?["temperature"]?.doubleValue)
}

/// Ollama native: like OpenAI, with the limits under options.
private func readOllama(_ request: FakeProvider.Request) -> SentChat {
    var chat = readOpenAI(request)
    chat.maxTokens = request.json?["options"]?["num_predict"]?.intValue
    chat.temperature = request.json?["options"]?["temperature"]?.doubleValue
    return chat
}

/// Claude: top-level system string.
private func readClaude(_ request: FakeProvider.Request) -> SentChat {
    let body = request.json
    return SentChat(
        model: body?["model"]?.stringValue, system: body?["system"]?.stringValue,
        turns: (body?["messages"]?.arrayValue ?? []).map(turn),
        maxTokens: body?["max_tokens"]?.intValue, temperature: body?["temperature"]?.doubleValue)
}

/// Gemini: model in the URL, contents with parts, systemInstruction, generationConfig.
private func readGemini(_ request: FakeProvider.Request) -> SentChat {
    let body = request.json
    let model = request.path.split(separator: "/").last.map { String($0.prefix { $0 != ":" }) }
    let turns = (body?["contents"]?.arrayValue ?? []).map { content in
        "\(content["role"]?.stringValue ?? "?"): \(content["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue }.joined() ?? "")"
    }
    return SentChat(
        model: model, system: body?["systemInstruction"]?["parts"]?.arrayValue?.first?["text"]?.stringValue, turns: turns,
        maxTokens: body?["generationConfig"]?["maxOutputTokens"]?.intValue,
        temperature: body?["generationConfig"]?["temperature"]?.doubleValue)
}

private func turn(_ message: JSONValue) -> String {
    "\(message["role"]?.stringValue ?? "?"): \(message["content"]?.stringValue ?? "")"
}
