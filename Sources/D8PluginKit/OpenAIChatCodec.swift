import D8JSON

/// OpenAI chat completions: Groq, and the OpenAI-compatible servers Ollama mode `api: openai`
/// reaches (llama.cpp server, vLLM, LM Studio). POST {base}{path}, Bearer key when there is one.
/// Every chat field is OpenAI's own, so all pass through as they are.
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

    public func httpRequest(for chat: ChatRequest, stream: Bool) -> HTTPRequest {
        var messages: [JSONValue] = chat.system.map { [["role": "system", "content": .string($0)]] } ?? []
        messages += chat.messages.map(Self.message)
        var body: [String: JSONValue] = ["model": .string(chat.model), "messages": .array(messages), "max_tokens": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { body["temperature"] = .number(temperature) }
        if let topP = chat.topP { body["top_p"] = .number(topP) }
        if !chat.stop.isEmpty { body["stop"] = .array(chat.stop.map(JSONValue.string)) }
        if let seed = chat.seed { body["seed"] = JSONValue(seed) }
        if chat.jsonObject { body["response_format"] = ["type": "json_object"] }
        if !chat.tools.isEmpty { body["tools"] = .array(chat.tools.map(\.openAIJSON)) }
        if let choice = chat.toolChoice { body["tool_choice"] = choice.openAIJSON }
        if stream {
            body["stream"] = true
            body["stream_options"] = ["include_usage": true] // else no usage at all (Groq also sends x_groq.usage)
        }
        var headers = [HTTPHeader("Content-Type", "application/json")]
        if let apiKey { headers.append(HTTPHeader("Authorization", "Bearer \(apiKey)")) }
        return HTTPRequest(url: url, headers: headers, body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    static func message(_ message: ChatMessage) -> JSONValue {
        var json: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
        if !message.toolCalls.isEmpty {
            json["tool_calls"] = .array(message.toolCalls.map(\.json))
            if message.content.isEmpty { json["content"] = .null }
        }
        if let id = message.toolCallID { json["tool_call_id"] = .string(id) }
        return .object(json)
    }

    public func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        guard let message = body["choices"]?.arrayValue?.first?["message"] else { throw .malformed("no choices[0].message.content in the answer") }
        let calls = try (message["tool_calls"]?.arrayValue ?? []).map { call throws(CompletionProblem) in
            ToolCall(id: try call.require("id") { $0.stringValue }, name: try call.require("function.name") { $0.stringValue },
                     arguments: try call.require("function.arguments") { $0.stringValue })
        }
        let text = message["content"]?.stringValue
        guard text != nil || !calls.isEmpty else { throw .malformed("no choices[0].message.content in the answer") }
        var usage = TokenUsage(input: 0, output: 0)
        if usageRequired || body["usage"] != nil {
            usage = try Self.usage(body["usage"])
        }
        let reason = body["choices"]?.arrayValue?.first?["finish_reason"]?.stringValue
        return Completion(text: text ?? "", usage: usage, model: body["model"]?.stringValue, toolCalls: calls, finishReason: reason.map(Self.finishReason))
    }

    public func streamParser() -> any ChatStreamParser { OpenAIStreamParser() }

    /// prompt_tokens and completion_tokens, with prompt_tokens_details.cached_tokens and
    /// completion_tokens_details.reasoning_tokens (both included in the totals).
    static func usage(_ usage: JSONValue?, named name: String = "usage") throws(CompletionProblem) -> TokenUsage {
        guard let input = usage?["prompt_tokens"]?.tokenCount else { throw .malformed("no \(name).prompt_tokens in the answer") }
        guard let output = usage?["completion_tokens"]?.tokenCount else { throw .malformed("no \(name).completion_tokens in the answer") }
        return TokenUsage(
            input: input, output: output,
            cachedInput: usage?["prompt_tokens_details"]?["cached_tokens"]?.tokenCount ?? 0,
            reasoning: usage?["completion_tokens_details"]?["reasoning_tokens"]?.tokenCount ?? 0)
    }

    /// OpenAI's words already; the legacy function_call is a tool call.
    static func finishReason(_ reason: String) -> String { reason == "function_call" ? "tool_calls" : reason }
}
