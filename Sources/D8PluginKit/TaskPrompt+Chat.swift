import D8JSON

/// The `chat` task type (and `chat:<route>`): data is an OpenAI chat completion request.
extension TaskPrompt {
    static func isChat(_ type: String) -> Bool { type == "chat" || type.hasPrefix("chat:") }

    /// The fields of a chat completion request that d8 passes on. Any other set field fails the
    /// task by name: a field a provider would silently ignore changes the answer unnoticed.
    static let chatFields: Set<String> = [
        "messages", "model", "temperature", "top_p", "max_tokens", "max_completion_tokens", "stop", "seed",
        "response_format", "tools", "tool_choice", "stream", "stream_options", "user", "n", "parallel_tool_calls",
    ]

    static func chat(_ type: String, _ fields: TaskFields) throws(Problem) -> TaskPrompt {
        for (key, value) in fields.data.sorted(by: { $0.key < $1.key }) where value != .null {
            guard chatFields.contains(key) else { throw Problem("data.\(key) is not supported") }
        }
        if let n = fields.data["n"], n != .null, n.intValue != 1 { throw Problem("data.n other than 1 is not supported") }
        if fields.data["parallel_tool_calls"] == false { throw Problem("data.parallel_tool_calls false is not supported") }
        let list = try fields.array("messages")
        var system: [String] = []
        var messages: [ChatMessage] = []
        for (i, item) in list.enumerated() {
            let field = "data.messages[\(i)]"
            guard let role = item["role"]?.stringValue else { throw Problem("\(field).role must be a string") }
            switch role {
            case "system", "developer":
                system.append(try chatText(item["content"], field: field))
            case "user":
                messages.append(ChatMessage(.user, try chatText(item["content"], field: field)))
            case "assistant":
                let calls = try toolCalls(item["tool_calls"], field: "\(field).tool_calls")
                let content = item["content"] == nil || item["content"] == .null ? "" : try chatText(item["content"], field: field)
                guard !content.isEmpty || !calls.isEmpty else { throw Problem("\(field) has neither content nor tool_calls") }
                messages.append(ChatMessage(.assistant, content, toolCalls: calls))
            case "tool":
                guard let id = item["tool_call_id"]?.stringValue else { throw Problem("\(field).tool_call_id must be a string") }
                messages.append(ChatMessage(.tool, try chatText(item["content"], field: field), toolCallID: id))
            default:
                throw Problem("\(field).role must be system, user, assistant or tool, got '\(role)'")
            }
        }
        guard !messages.isEmpty else { throw Problem("data.messages has no user or assistant message") }
        var prompt = TaskPrompt(taskType: type, system: system.isEmpty ? nil : system.joined(separator: "\n\n"), messages: messages)
        prompt.options = try ChatOptions.read(fields)
        if fields.data["max_tokens"] == nil || fields.data["max_tokens"] == .null {
            prompt.maxTokens = try fields.optionalPositiveInteger("max_completion_tokens")
        }
        return prompt
    }

    /// A string, or a list of text parts joined with newlines; any other part type is refused.
    static func chatText(_ content: JSONValue?, field: String) throws(Problem) -> String {
        if let text = content?.stringValue { return text }
        guard let parts = content?.arrayValue else { throw Problem("\(field).content must be a string or a list of text parts") }
        var texts: [String] = []
        for (j, part) in parts.enumerated() {
            guard let kind = part["type"]?.stringValue else { throw Problem("\(field).content[\(j)].type must be a string") }
            guard kind == "text" else { throw Problem("\(field).content[\(j)].type '\(kind)' is not supported") }
            guard let text = part["text"]?.stringValue else { throw Problem("\(field).content[\(j)].text must be a string") }
            texts.append(text)
        }
        return texts.joined(separator: "\n")
    }

    static func toolCalls(_ value: JSONValue?, field: String) throws(Problem) -> [ToolCall] {
        guard let value, value != .null else { return [] }
        guard let list = value.arrayValue else { throw Problem("\(field) must be an array") }
        var calls: [ToolCall] = []
        for (j, call) in list.enumerated() {
            guard let id = call["id"]?.stringValue, let name = call["function"]?["name"]?.stringValue else {
                throw Problem("\(field)[\(j)] needs an id and a function.name")
            }
            guard let arguments = call["function"]?["arguments"]?.stringValue else { throw Problem("\(field)[\(j)].function.arguments must be a string") }
            calls.append(ToolCall(id: id, name: name, arguments: arguments))
        }
        return calls
    }
}
