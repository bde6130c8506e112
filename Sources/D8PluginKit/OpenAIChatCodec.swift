import D8JSON

/// OpenAI chat completions: Groq, and the OpenAI-compatible servers Ollama mode `api: openai`
/// reaches (llama.cpp server, vLLM, LM Studio). POST {base}{path}, Bearer key when there is one.
public struct OpenAIChatCodec: ChatCodec {
    public let url: String
    public let apiKey: String?
    /// Local servers may leave usage out; hosted ones always send it, and cost depends on it.
    public let usageRequired: Bool

    public init(baseURL: String, path: String = "/chat/completions", apiKey: String?, usageRequired: Bool) {
        url = baseURL + path
        self.apiKey = apiKey
        self.usageRequired = usageRequired
    }

    public func httpRequest(for chat: ChatRequest) -> HTTPRequest {
        var messages: [JSONValue] = chat.system.map { [["role": "system", "content": .string($0)]] } ?? []
        messages += chat.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }
        var body: [String: JSONValue] = ["model": .string(chat.model), "messages": .array(messages), "max_tokens": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { body["temperature"] = .number(temperature) }
        var headers = [HTTPHeader("Content-Type", "application/json")]
        if let apiKey { headers.append(HTTPHeader("Authorization", "Bearer \(apiKey)")) }
        return HTTPRequest(url: url, headers: headers, body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    public func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        let text = try body.require("choices[0].message.content") { $0.stringValue }
        let input: Int, output: Int
        if usageRequired || body["usage"] != nil {
            input = try body.require("usage.prompt_tokens") { $0.tokenCount }
            output = try body.require("usage.completion_tokens") { $0.tokenCount }
        } else {
            (input, output) = (0, 0)
        }
        return Completion(text: text, inputTokens: input, outputTokens: output, model: body["model"]?.stringValue)
    }
}
