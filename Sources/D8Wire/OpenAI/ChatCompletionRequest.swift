import D8Core

/// `POST /v1/chat/completions` as d8 runs it: every field checked, and the task data the
/// plugins read (the chat task type's data, documented in d8_plugin.h). A field d8 does not
/// honour is refused with its name, never dropped.
public struct ChatCompletionRequest: Sendable, Equatable {
    /// What the caller asked for: an alias, a worker type, or `<worker type>/<model>`.
    public let model: String
    public let stream: Bool
    /// `stream_options.include_usage`: a last chunk with the usage.
    public let includeUsage: Bool
    /// The task's data: the request's fields, normalised (`max_completion_tokens` read as
    /// `max_tokens`, `stop` always a list).
    public let data: [String: JSONValue]

    /// Fields passed to the plugins as they are, once checked.
    static let checked: [String: @Sendable (JSONValue) -> String?] = [
        "temperature": { range($0, 0...2) },
        "top_p": { range($0, 0...1) },
        "seed": { $0.intValue == nil ? "an integer" : nil },
        "user": { $0.stringValue == nil ? "a string" : nil },
        "parallel_tool_calls": { $0 == .bool(true) ? nil : "true (d8 does not turn parallel tool calls off)" },
    ]

    /// Fields OpenAI has that d8 does not honour: refused by name.
    static let unsupported: Set<String> = [
        "logprobs", "top_logprobs", "logit_bias", "frequency_penalty", "presence_penalty", "audio", "modalities",
        "prediction", "service_tier", "store", "metadata", "reasoning_effort", "web_search_options", "functions",
        "function_call", "verbosity", "prompt_cache_key", "safety_identifier",
    ]

    public init(json body: [String: JSONValue]) throws(OpenAIError) {
        guard let model = body["model"]?.stringValue, !model.isEmpty else {
            throw .invalid("model", body["model"] == nil ? "you must provide a model parameter" : "'model' must be a non-empty string")
        }
        self.model = model
        stream = try Self.flag(body, "stream")
        var data: [String: JSONValue] = [:]
        var includeUsage = false
        for (key, value) in body where value != .null {
            switch key {
            case "model", "stream": continue
            case "messages": data[key] = try Self.messages(value)
            case "stream_options":
                guard stream else { throw .invalid(key, "'stream_options' is only allowed when 'stream' is true") }
                includeUsage = value["include_usage"]?.boolValue ?? false
            case "max_tokens", "max_completion_tokens":
                guard let n = value.intValue, n > 0 else { throw .invalid(key, "'\(key)' must be a positive integer") }
                data["max_tokens"] = JSONValue(n)
            case "n":
                guard value.intValue == 1 else { throw .invalid(key, "d8 returns one choice: 'n' must be 1") }
            case "stop": data[key] = try Self.stop(value)
            case "response_format": data[key] = try Self.responseFormat(value)
            case "tools": data[key] = try Self.tools(value)
            case "tool_choice": data[key] = try Self.toolChoice(value)
            default:
                if let check = Self.checked[key] {
                    if let expected = check(value) { throw .invalid(key, "'\(key)' must be \(expected)") }
                    data[key] = value
                } else if Self.unsupported.contains(key) {
                    throw .invalid(key, "'\(key)' is not supported by d8", code: "unsupported_parameter")
                } else {
                    throw .invalid(key, "unrecognized request argument supplied: \(key)", code: "unknown_parameter")
                }
            }
        }
        guard data["messages"] != nil else { throw .invalid("messages", "you must provide a messages parameter") }
        if data["tool_choice"] != nil, data["tools"] == nil {
            throw .invalid("tool_choice", "'tool_choice' is only allowed when 'tools' are specified")
        }
        if stream { data["stream"] = true }
        self.includeUsage = includeUsage
        self.data = data
    }

    private static func flag(_ body: [String: JSONValue], _ key: String) throws(OpenAIError) -> Bool {
        guard let value = body[key], value != .null else { return false }
        guard let flag = value.boolValue else { throw .invalid(key, "'\(key)' must be a boolean") }
        return flag
    }

    static func range(_ value: JSONValue, _ range: ClosedRange<Double>) -> String? {
        guard let x = value.doubleValue, range.contains(x) else { return "a number from \(range.lowerBound) to \(range.upperBound)" }
        return nil
    }
}
