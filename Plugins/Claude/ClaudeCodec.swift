import D8JSON
import D8PluginKit

/// POST {base}/v1/messages with x-api-key and anthropic-version; system is a top-level field
/// and max_tokens is required. The text is the join of the content blocks of type "text".
struct ClaudeCodec: ChatCodec {
    static let apiVersion = "2023-06-01"
    let url: String
    let apiKey: String

    init(baseURL: String, apiKey: String) {
        url = baseURL + "/v1/messages"
        self.apiKey = apiKey
    }

    func httpRequest(for chat: ChatRequest) -> HTTPRequest {
        var body: [String: JSONValue] = [
            "model": .string(chat.model),
            "max_tokens": JSONValue(chat.maxTokens),
            "messages": .array(chat.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }),
        ]
        if let system = chat.system { body["system"] = .string(system) }
        if let temperature = chat.temperature { body["temperature"] = .number(temperature) }
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
        if texts.isEmpty, let reason = body["stop_reason"]?.stringValue, reason == "refusal" {
            throw .refused("the model refused to answer (stop_reason refusal)")
        }
        guard !texts.isEmpty else { throw .malformed("no text block in content") }
        return Completion(
            text: texts.joined(),
            inputTokens: try body.require("usage.input_tokens") { $0.tokenCount },
            outputTokens: try body.require("usage.output_tokens") { $0.tokenCount },
            model: body["model"]?.stringValue)
    }
}
