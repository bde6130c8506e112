import D8Core

/// The answers of `/v1/chat/completions` in OpenAI's shapes, built from a task's result:
/// `chat.completion`, and the `chat.completion.chunk`s of a stream. Every chunk of one
/// answer shares its `id` and `created`.
public struct ChatCompletion: Sendable {
    public let id: String
    public let created: Int
    /// The model as the caller named it.
    public let model: String

    public init(taskID: String, created: Int, model: String) {
        id = "chatcmpl-" + taskID
        self.created = created
        self.model = model
    }

    /// The whole answer of a completed task.
    public func completion(result: JSONValue) -> JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": Self.content(of: result), "refusal": .null]
        if let calls = result["tool_calls"]?.arrayValue, !calls.isEmpty { message["tool_calls"] = .array(calls) }
        let choice: JSONValue = ["index": 0, "message": .object(message), "logprobs": .null, "finish_reason": .string(Self.finishReason(of: result))]
        return [
            "id": .string(id), "object": "chat.completion", "created": JSONValue(created), "model": .string(model),
            "choices": [choice], "usage": Self.usage(of: result), "system_fingerprint": .null,
        ]
    }

    /// One streamed piece: `delta` as the plugin emitted it (OpenAI's delta shape).
    public func chunk(delta: JSONValue, finishReason: String? = nil, includeUsage: Bool) -> JSONValue {
        var chunk: [String: JSONValue] = [
            "id": .string(id), "object": "chat.completion.chunk", "created": JSONValue(created), "model": .string(model),
            "choices": [["index": 0, "delta": delta, "logprobs": .null, "finish_reason": JSONValue(finishReason)]],
            "system_fingerprint": .null,
        ]
        if includeUsage { chunk["usage"] = .null }
        return .object(chunk)
    }

    /// The chunk `stream_options.include_usage` asks for: no choices, the usage (and d8's cost).
    public func usageChunk(result: JSONValue) -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": JSONValue(created), "model": .string(model),
            "choices": [], "usage": Self.usage(of: result), "system_fingerprint": .null,
        ]
    }

    /// Text content: null when the answer is only tool calls.
    static func content(of result: JSONValue) -> JSONValue {
        let text = result["output"]?.stringValue ?? ""
        let hasCalls = !(result["tool_calls"]?.arrayValue ?? []).isEmpty
        return text.isEmpty && hasCalls ? .null : .string(text)
    }

    public static func finishReason(of result: JSONValue) -> String {
        if let reason = result["finish_reason"]?.stringValue, ["stop", "length", "tool_calls", "content_filter"].contains(reason) { return reason }
        return (result["tool_calls"]?.arrayValue ?? []).isEmpty ? "stop" : "tool_calls"
    }

    /// OpenAI's usage from the plugin's, with the cached and reasoning details where known,
    /// and what d8 charged for it (`cost_usd`, an extra key the SDKs keep).
    public static func usage(of result: JSONValue) -> JSONValue {
        let usage = result["usage"]
        let input = usage?["input_tokens"]?.intValue ?? 0, output = usage?["output_tokens"]?.intValue ?? 0
        var object: [String: JSONValue] = [
            "prompt_tokens": JSONValue(input), "completion_tokens": JSONValue(output), "total_tokens": JSONValue(input + output),
            // null when the model's price is unknown: unknown is never free.
            "cost_usd": result["cost_usd"]?.doubleValue.map(JSONValue.number) ?? .null,
        ]
        if let cached = usage?["cached_input_tokens"]?.intValue { object["prompt_tokens_details"] = ["cached_tokens": JSONValue(cached)] }
        if let reasoning = usage?["reasoning_tokens"]?.intValue { object["completion_tokens_details"] = ["reasoning_tokens": JSONValue(reasoning)] }
        return .object(object)
    }
}
