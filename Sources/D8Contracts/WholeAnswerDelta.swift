import D8JSON

/// A chat result as one streamed piece, in OpenAI's delta shape: its text, and its tool calls
/// each with its index. What a plugin that does not stream sends, what the worker relays for
/// one, and what the front door writes for an answer that finished before any piece came.
public enum WholeAnswerDelta {
    public static func of(_ result: JSONValue) -> JSONValue {
        var delta: [String: JSONValue] = [:]
        if let text = result["output"]?.stringValue, !text.isEmpty { delta["content"] = .string(text) }
        if let calls = result["tool_calls"]?.arrayValue, !calls.isEmpty {
            delta["tool_calls"] = .array(calls.enumerated().map { index, call in
                var call = call.objectValue ?? [:]
                call["index"] = JSONValue(index)
                return .object(call)
            })
        }
        return .object(delta)
    }
}
