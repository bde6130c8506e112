import D8JSON
import D8PluginKit

/// Ollama's native POST {base}/api/chat; options carry temperature, top_p, seed, stop and
/// num_predict; format "json" is JSON mode; tools are OpenAI's. Streamed, the answer is NDJSON;
/// OllamaAnswer reads it, whole or line by line.
struct OllamaCodec: ChatCodec {
    let url: String

    init(baseURL: String) { url = baseURL + "/api/chat" }

    func httpRequest(for chat: ChatRequest, stream: Bool) throws(UnsupportedField) -> HTTPRequest {
        var messages: [JSONValue] = chat.system.map { [["role": "system", "content": .string($0)]] } ?? []
        messages += try Self.messages(chat.messages)
        var options: [String: JSONValue] = ["num_predict": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { options["temperature"] = .number(temperature) }
        if let topP = chat.topP { options["top_p"] = .number(topP) }
        if let seed = chat.seed { options["seed"] = JSONValue(seed) }
        if !chat.stop.isEmpty { options["stop"] = .array(chat.stop.map(JSONValue.string)) }
        var body: [String: JSONValue] = ["model": .string(chat.model), "messages": .array(messages), "stream": .bool(stream), "options": .object(options)]
        if chat.jsonObject { body["format"] = "json" }
        switch chat.toolChoice {
        case nil, .auto?: if !chat.tools.isEmpty { body["tools"] = .array(chat.tools.map(\.openAIJSON)) }
        case .none?: break // no tools offered: none can be called
        case .required?: throw UnsupportedField("tool_choice 'required'")
        case .function?: throw UnsupportedField("tool_choice naming a function")
        }
        return HTTPRequest(url: url, headers: [HTTPHeader("Content-Type", "application/json")], body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    /// Tool call arguments travel as objects; a tool answer names its function (tool_name).
    static func messages(_ messages: [ChatMessage]) throws(UnsupportedField) -> [JSONValue] {
        var names: [String: String] = [:]
        var encoded: [JSONValue] = []
        for message in messages {
            var json: [String: JSONValue] = ["role": .string(message.role.rawValue), "content": .string(message.content)]
            if !message.toolCalls.isEmpty {
                var calls: [JSONValue] = []
                for call in message.toolCalls {
                    names[call.id] = call.name
                    calls.append(["function": ["name": .string(call.name), "arguments": try call.argumentsObject()]])
                }
                json["tool_calls"] = .array(calls)
            }
            if let id = message.toolCallID, let name = names[id] { json["tool_name"] = .string(name) }
            encoded.append(.object(json))
        }
        return encoded
    }

    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        var answer = StreamAccumulator()
        _ = try OllamaAnswer.read(body, into: &answer)
        guard body["message"]?["content"]?.stringValue != nil || answer.hasCalls else { throw .malformed("no message.content in the answer") }
        return answer.completion
    }

    func streamParser() -> any ChatStreamParser { OllamaStreamParser() }
}
