import D8JSON
import D8PluginKit

/// OpenAI-shaped turns in the Messages API's shape: an assistant's tool calls become tool_use
/// blocks; tool answers become tool_result blocks of one user turn (consecutive ones merged, as
/// the API wants every result of a turn in the next user message).
enum ClaudeMessages {
    static func encode(_ messages: [ChatMessage]) throws(UnsupportedField) -> [JSONValue] {
        var encoded: [JSONValue] = []
        var results: [JSONValue] = []
        func flushResults() {
            if !results.isEmpty { encoded.append(["role": "user", "content": .array(results)]) }
            results = []
        }
        for message in messages {
            switch message.role {
            case .tool:
                results.append(["type": "tool_result", "tool_use_id": .string(message.toolCallID ?? ""), "content": .string(message.content)])
            case .user:
                flushResults()
                encoded.append(["role": "user", "content": .string(message.content)])
            case .assistant:
                flushResults()
                guard !message.toolCalls.isEmpty else {
                    encoded.append(["role": "assistant", "content": .string(message.content)])
                    continue
                }
                var blocks: [JSONValue] = message.content.isEmpty ? [] : [["type": "text", "text": .string(message.content)]]
                for call in message.toolCalls {
                    blocks.append(["type": "tool_use", "id": .string(call.id), "name": .string(call.name), "input": try call.argumentsObject()])
                }
                encoded.append(["role": "assistant", "content": .array(blocks)])
            }
        }
        flushResults()
        return encoded
    }

    static func tool(_ tool: ToolDefinition) -> JSONValue {
        var json: [String: JSONValue] = ["name": .string(tool.name), "input_schema": tool.parameters ?? ["type": "object", "properties": [:]]]
        if let description = tool.description { json["description"] = .string(description) }
        return .object(json)
    }

    static func toolChoice(_ choice: ToolChoice) -> JSONValue {
        switch choice {
        case .auto: ["type": "auto"]
        case .none: ["type": "none"]
        case .required: ["type": "any"]
        case let .function(name): ["type": "tool", "name": .string(name)]
        }
    }
}
