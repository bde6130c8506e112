import D8JSON
import D8PluginKit

/// POST {base}/v1/messages with x-api-key and anthropic-version; system is a top-level field
/// and max_tokens is required. The text is the join of the content blocks of type "text"; the
/// tool_use blocks are the tool calls.
struct ClaudeCodec: ChatCodec {
    static let apiVersion = "2023-06-01"
    let url: String
    let apiKey: String

    init(baseURL: String, apiKey: String) {
        url = baseURL + "/v1/messages"
        self.apiKey = apiKey
    }

    func httpRequest(for chat: ChatRequest, stream: Bool) throws(UnsupportedField) -> HTTPRequest {
        // The Messages API has neither: refusing beats an answer the client did not ask for.
        if chat.seed != nil { throw UnsupportedField("seed") }
        if chat.jsonObject { throw UnsupportedField("response_format json_object") }
        var body: [String: JSONValue] = [
            "model": .string(chat.model),
            "max_tokens": JSONValue(chat.maxTokens),
            "messages": .array(try ClaudeMessages.encode(chat.messages)),
        ]
        if let system = chat.system { body["system"] = .string(system) }
        if let temperature = chat.temperature { body["temperature"] = .number(temperature) }
        if let topP = chat.topP { body["top_p"] = .number(topP) }
        if !chat.stop.isEmpty { body["stop_sequences"] = .array(chat.stop.map(JSONValue.string)) }
        if !chat.tools.isEmpty { body["tools"] = .array(chat.tools.map(ClaudeMessages.tool)) }
        if let choice = chat.toolChoice { body["tool_choice"] = ClaudeMessages.toolChoice(choice) }
        if stream { body["stream"] = true }
        let headers = [
            HTTPHeader("content-type", "application/json"),
            HTTPHeader("x-api-key", apiKey),
            HTTPHeader("anthropic-version", Self.apiVersion),
        ]
        return HTTPRequest(url: url, headers: headers, body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        let blocks = try body.require("content") { $0.arrayValue }
        let texts = blocks.filter { $0["type"] == "text" }.compactMap { $0["text"]?.stringValue }
        let calls = try blocks.filter { $0["type"] == "tool_use" }.map { block throws(CompletionProblem) in
            ToolCall(id: try block.require("id") { $0.stringValue }, name: try block.require("name") { $0.stringValue },
                     arguments: (block["input"] ?? [:]).jsonString)
        }
        let reason = body["stop_reason"]?.stringValue
        if texts.isEmpty, calls.isEmpty {
            if reason == "refusal" { throw .refused("the model refused to answer (stop_reason refusal)") }
            if reason != "max_tokens" { throw .malformed("no text block in content") }
        }
        return Completion(
            text: texts.joined(), usage: try ClaudeAnswer.usage(try body.require("usage") { $0.objectValue != nil ? $0 : nil }),
            model: body["model"]?.stringValue, toolCalls: calls, finishReason: reason.map(ClaudeAnswer.finishReason))
    }

    func streamParser() -> any ChatStreamParser { ClaudeStreamParser() }
}
