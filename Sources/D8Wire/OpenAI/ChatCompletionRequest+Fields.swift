import D8Core

/// The checks of the structured fields: messages, stop, response_format, tools, tool_choice.
extension ChatCompletionRequest {
    static let roles: Set<String> = ["system", "developer", "user", "assistant", "tool"]

    /// Roles OpenAI knows; `developer` is read as `system`. Content is a string or text parts.
    static func messages(_ value: JSONValue) throws(OpenAIError) -> JSONValue {
        guard let list = value.arrayValue, !list.isEmpty else { throw .invalid("messages", "'messages' must be a non-empty array") }
        var out: [JSONValue] = []
        for (i, item) in list.enumerated() {
            let at = "messages[\(i)]"
            guard var message = item.objectValue else { throw .invalid(at, "'\(at)' must be an object") }
            guard let role = message["role"]?.stringValue, roles.contains(role) else {
                throw .invalid("\(at).role", "'\(at).role' must be one of system, developer, user, assistant, tool")
            }
            if role == "developer" { message["role"] = "system" }
            let content = message["content"] ?? .null
            switch content {
            case .string: break
            case .null:
                guard role == "assistant", message["tool_calls"] != nil else {
                    throw .invalid("\(at).content", "'\(at).content' is required for a \(role) message")
                }
            case let .array(parts):
                for (j, part) in parts.enumerated() {
                    guard part["type"]?.stringValue == "text", part["text"]?.stringValue != nil else {
                        let kind = part["type"]?.stringValue ?? "without a type"
                        throw .invalid("\(at).content[\(j)]", "content part '\(kind)' is not supported by d8 (text parts only)", code: "unsupported_parameter")
                    }
                }
            default: throw .invalid("\(at).content", "'\(at).content' must be a string or an array of text parts")
            }
            if role == "tool", message["tool_call_id"]?.stringValue == nil {
                throw .invalid("\(at).tool_call_id", "a tool message needs 'tool_call_id'")
            }
            if let calls = message["tool_calls"] {
                guard role == "assistant", let calls = calls.arrayValue else { throw .invalid("\(at).tool_calls", "'tool_calls' belongs to assistant messages, as an array") }
                for (j, call) in calls.enumerated() where call["id"]?.stringValue == nil || call["function"]?["name"]?.stringValue == nil {
                    throw .invalid("\(at).tool_calls[\(j)]", "a tool call needs 'id' and 'function.name'")
                }
            }
            out.append(.object(message))
        }
        return .array(out)
    }

    static func stop(_ value: JSONValue) throws(OpenAIError) -> JSONValue {
        if let one = value.stringValue { return [.string(one)] }
        guard let list = value.arrayValue, list.count <= 4, list.allSatisfy({ $0.stringValue != nil }) else {
            throw .invalid("stop", "'stop' must be a string or an array of up to 4 strings")
        }
        return value
    }

    static func responseFormat(_ value: JSONValue) throws(OpenAIError) -> JSONValue {
        switch value["type"]?.stringValue {
        case "text", "json_object": return value
        case "json_schema"?: throw .invalid("response_format", "response_format json_schema is not supported by d8 (json_object is)", code: "unsupported_parameter")
        default: throw .invalid("response_format.type", "'response_format.type' must be text or json_object")
        }
    }

    static func tools(_ value: JSONValue) throws(OpenAIError) -> JSONValue {
        guard let list = value.arrayValue, !list.isEmpty else { throw .invalid("tools", "'tools' must be a non-empty array") }
        for (i, tool) in list.enumerated() {
            guard tool["type"]?.stringValue == "function" else {
                throw .invalid("tools[\(i)].type", "only function tools are supported", code: "unsupported_parameter")
            }
            guard let name = tool["function"]?["name"]?.stringValue, !name.isEmpty else {
                throw .invalid("tools[\(i)].function.name", "a tool needs 'function.name'")
            }
        }
        return value
    }

    static func toolChoice(_ value: JSONValue) throws(OpenAIError) -> JSONValue {
        if let word = value.stringValue {
            guard ["auto", "none", "required"].contains(word) else { throw .invalid("tool_choice", "'tool_choice' must be auto, none, required or a function") }
            return value
        }
        guard value["type"]?.stringValue == "function", value["function"]?["name"]?.stringValue != nil else {
            throw .invalid("tool_choice", "'tool_choice' must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}")
        }
        return value
    }
}
