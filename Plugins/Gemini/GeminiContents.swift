import D8JSON
import D8PluginKit

/// OpenAI-shaped turns as Gemini contents (the answer back is GeminiAnswer's). Gemini has no
/// call ids: calls get stable ids by position (call_0, call_1, ...), and a tool message finds its
/// function's name through the assistant call it answers.
enum GeminiContents {
    static func encode(_ messages: [ChatMessage]) throws(UnsupportedField) -> [JSONValue] {
        var names: [String: String] = [:] // tool call id → function name
        var contents: [JSONValue] = []
        var responses: [JSONValue] = []
        func flushResponses() {
            if !responses.isEmpty { contents.append(["role": "user", "parts": .array(responses)]) }
            responses = []
        }
        for message in messages {
            switch message.role {
            case .tool:
                let id = message.toolCallID ?? ""
                guard let name = names[id] else { throw UnsupportedField("a tool message whose tool_call_id '\(id)' matches no assistant tool call") }
                responses.append(["functionResponse": ["name": .string(name), "response": response(message.content)]])
            case .user:
                flushResponses()
                contents.append(["role": "user", "parts": [["text": .string(message.content)]]])
            case .assistant:
                flushResponses()
                var parts: [JSONValue] = message.content.isEmpty ? [] : [["text": .string(message.content)]]
                for call in message.toolCalls {
                    names[call.id] = call.name
                    parts.append(["functionCall": ["name": .string(call.name), "args": try call.argumentsObject()]])
                }
                contents.append(["role": "model", "parts": .array(parts)])
            }
        }
        flushResponses()
        return contents
    }

    /// functionResponse.response must be an object: a JSON object answer as it is, else wrapped.
    static func response(_ content: String) -> JSONValue {
        if let value = try? JSONValue.parse(content), case .object = value { return value }
        return ["content": .string(content)]
    }

    static func declaration(_ tool: ToolDefinition) -> JSONValue {
        var json: [String: JSONValue] = ["name": .string(tool.name)]
        if let description = tool.description { json["description"] = .string(description) }
        if let parameters = tool.parameters { json["parameters"] = parameters }
        return .object(json)
    }

    static func callingConfig(_ choice: ToolChoice) -> JSONValue {
        switch choice {
        case .auto: ["mode": "AUTO"]
        case .none: ["mode": "NONE"]
        case .required: ["mode": "ANY"]
        case let .function(name): ["mode": "ANY", "allowedFunctionNames": [.string(name)]]
        }
    }
}
