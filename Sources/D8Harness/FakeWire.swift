import D8Core

/// `FakeAnswer` in the providers' own wire formats, whole bodies and stream events, as their
/// API references show them. An `.error` ending replaces the terminal events with the
/// provider's error event; a `.cut` one leaves the terminal events out.
enum FakeWire {
    static func sse(_ value: JSONValue, event: String? = nil) -> String {
        (event.map { "event: \($0)\n" } ?? "") + "data: \(value.jsonString)\n\n"
    }

    // MARK: OpenAI (and Groq)

    static func openAIUsage(_ answer: FakeAnswer) -> JSONValue {
        ["prompt_tokens": JSONValue(answer.inputTokens), "completion_tokens": JSONValue(answer.outputTokens),
         "total_tokens": JSONValue(answer.inputTokens + answer.outputTokens),
         "prompt_tokens_details": ["cached_tokens": JSONValue(answer.cachedTokens)]]
    }

    static func openAIToolCall(_ answer: FakeAnswer) -> JSONValue? {
        answer.toolCall.map { ["id": "call_fake", "type": "function", "function": ["name": .string($0.name), "arguments": .string(answer.arguments)]] }
    }

    static func openAIBody(_ answer: FakeAnswer, model: String) -> JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": answer.text.isEmpty && answer.toolCall != nil ? nil : .string(answer.text)]
        if let call = openAIToolCall(answer) { message["tool_calls"] = [call] }
        return ["id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000, "model": .string(model),
                "choices": [["index": 0, "message": .object(message), "finish_reason": .string(answer.finishReason ?? (answer.toolCall == nil ? "stop" : "tool_calls"))]],
                "usage": openAIUsage(answer)]
    }

    static func openAIEvents(_ answer: FakeAnswer, model: String, groq: Bool) -> [String] {
        func chunk(_ delta: JSONValue, finish: JSONValue = nil, extra: [String: JSONValue] = [:]) -> String {
            var body: [String: JSONValue] = ["id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": .string(model),
                                              "choices": [["index": 0, "delta": delta, "finish_reason": finish]]]
            body.merge(extra) { _, new in new }
            return sse(.object(body))
        }
        var events = [chunk(["role": "assistant", "content": ""])] + answer.pieces.map { chunk(["content": .string($0)]) }
        if let call = answer.toolCall {
            events.append(chunk(["tool_calls": [["index": 0, "id": "call_fake", "type": "function", "function": ["name": .string(call.name), "arguments": ""]]]]))
            events += call.arguments.map { chunk(["tool_calls": [["index": 0, "function": ["arguments": .string($0)]]]]) }
        }
        switch answer.ending {
        case .cut: return events
        case let .error(message): return events + [sse(["error": ["message": .string(message), "type": "server_error"]])]
        case .complete: break
        }
        let finish = JSONValue.string(answer.finishReason ?? (answer.toolCall == nil ? "stop" : "tool_calls"))
        events.append(chunk([:], finish: finish, extra: groq ? ["x_groq": ["id": "req_fake", "usage": openAIUsage(answer)]] : [:]))
        events.append(sse(["id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": .string(model), "choices": [], "usage": openAIUsage(answer)]))
        return events + ["data: [DONE]\n\n"]
    }

    // MARK: Claude

    /// Anthropic counts cache reads apart from input_tokens.
    static func claudeUsage(_ answer: FakeAnswer, output: Int) -> JSONValue {
        ["input_tokens": JSONValue(answer.inputTokens - answer.cachedTokens), "cache_read_input_tokens": JSONValue(answer.cachedTokens),
         "cache_creation_input_tokens": 0, "output_tokens": JSONValue(output)]
    }

    static func claudeBody(_ answer: FakeAnswer, model: String) -> JSONValue {
        var content: [JSONValue] = answer.text.isEmpty ? [] : [["type": "text", "text": .string(answer.text)]]
        if let call = answer.toolCall {
            content.append(["type": "tool_use", "id": "toolu_fake", "name": .string(call.name), "input": (try? JSONValue.parse(answer.arguments)) ?? [:]])
        }
        return ["id": "msg_fake", "type": "message", "role": "assistant", "model": .string(model), "content": .array(content),
                "stop_reason": .string(answer.finishReason ?? (answer.toolCall == nil ? "end_turn" : "tool_use")), "stop_sequence": nil,
                "usage": claudeUsage(answer, output: answer.outputTokens)]
    }

    static func claudeEvents(_ answer: FakeAnswer, model: String) -> [String] {
        var events = [
            sse(["type": "message_start", "message": ["id": "msg_fake", "type": "message", "role": "assistant", "model": .string(model), "content": [],
                                                      "stop_reason": nil, "usage": claudeUsage(answer, output: 1)]], event: "message_start"),
            sse(["type": "content_block_start", "index": 0, "content_block": ["type": "text", "text": ""]], event: "content_block_start"),
            sse(["type": "ping"], event: "ping"),
        ]
        events += answer.pieces.map { sse(["type": "content_block_delta", "index": 0, "delta": ["type": "text_delta", "text": .string($0)]], event: "content_block_delta") }
        events.append(sse(["type": "content_block_stop", "index": 0], event: "content_block_stop"))
        if let call = answer.toolCall {
            events.append(sse(["type": "content_block_start", "index": 1, "content_block": ["type": "tool_use", "id": "toolu_fake", "name": .string(call.name), "input": [:]]],
                              event: "content_block_start"))
            events += call.arguments.map { sse(["type": "content_block_delta", "index": 1, "delta": ["type": "input_json_delta", "partial_json": .string($0)]], event: "content_block_delta") }
            events.append(sse(["type": "content_block_stop", "index": 1], event: "content_block_stop"))
        }
        switch answer.ending {
        case .cut: return events
        case let .error(message): return events + [sse(["type": "error", "error": ["type": "overloaded_error", "message": .string(message)]], event: "error")]
        case .complete: break
        }
        let reason = answer.finishReason ?? (answer.toolCall == nil ? "end_turn" : "tool_use")
        events.append(sse(["type": "message_delta", "delta": ["stop_reason": .string(reason), "stop_sequence": nil], "usage": ["output_tokens": JSONValue(answer.outputTokens)]],
                          event: "message_delta"))
        return events + [sse(["type": "message_stop"], event: "message_stop")]
    }
}
