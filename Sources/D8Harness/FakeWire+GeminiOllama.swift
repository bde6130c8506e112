import D8Core

extension FakeWire {
    // MARK: Gemini

    static func geminiUsage(_ answer: FakeAnswer, final: Bool) -> JSONValue {
        var usage: [String: JSONValue] = ["promptTokenCount": JSONValue(answer.inputTokens)]
        if answer.cachedTokens > 0 { usage["cachedContentTokenCount"] = JSONValue(answer.cachedTokens) }
        guard final else { return .object(usage) }
        if answer.outputTokens > 0 { usage["candidatesTokenCount"] = JSONValue(answer.outputTokens) }
        if answer.thoughtsTokens > 0 { usage["thoughtsTokenCount"] = JSONValue(answer.thoughtsTokens) }
        usage["totalTokenCount"] = JSONValue(answer.inputTokens + answer.outputTokens + answer.thoughtsTokens)
        return .object(usage)
    }

    static func geminiResponse(parts: [JSONValue], finish: String?, usage: JSONValue, model: String) -> JSONValue {
        var candidate: [String: JSONValue] = ["content": ["role": "model", "parts": .array(parts)], "index": 0]
        if let finish { candidate["finishReason"] = .string(finish) }
        return ["candidates": [.object(candidate)], "usageMetadata": usage, "modelVersion": .string(model)]
    }

    static func geminiCallPart(_ answer: FakeAnswer) -> JSONValue? {
        answer.toolCall.map { ["functionCall": ["name": .string($0.name), "args": (try? JSONValue.parse(answer.arguments)) ?? [:]]] }
    }

    static func geminiBody(_ answer: FakeAnswer, model: String) -> JSONValue {
        let parts = (answer.text.isEmpty ? [] : [["text": .string(answer.text)]]) + [geminiCallPart(answer)].compactMap { $0 }
        return geminiResponse(parts: parts, finish: answer.finishReason ?? "STOP", usage: geminiUsage(answer, final: true), model: model)
    }

    /// One event per piece; the call (whole, as Gemini sends it) and the finish in the last.
    static func geminiEvents(_ answer: FakeAnswer, model: String) -> [String] {
        var events = answer.pieces.map { sse(geminiResponse(parts: [["text": .string($0)]], finish: nil, usage: geminiUsage(answer, final: false), model: model)) }
        switch answer.ending {
        case .cut: return events
        case let .error(message): return events + [sse(["error": ["code": 503, "message": .string(message), "status": "UNAVAILABLE"]])]
        case .complete: break
        }
        let last = [geminiCallPart(answer)].compactMap { $0 }
        events.append(sse(geminiResponse(parts: last.isEmpty ? [["text": ""]] : last, finish: answer.finishReason ?? "STOP",
                                         usage: geminiUsage(answer, final: true), model: model)))
        return events
    }

    // MARK: Ollama

    static func ollamaLine(_ answer: FakeAnswer, model: String, done: Bool, piece: String? = nil, call: Bool = false) -> JSONValue {
        var message: [String: JSONValue] = ["role": "assistant", "content": .string(piece ?? (done ? answer.text : ""))]
        if call || (done && piece == nil), let toolCall = answer.toolCall {
            message["tool_calls"] = [["function": ["name": .string(toolCall.name), "arguments": (try? JSONValue.parse(answer.arguments)) ?? [:]]]]
        }
        var line: [String: JSONValue] = ["model": .string(model), "created_at": "2025-01-01T00:00:00Z", "message": .object(message), "done": .bool(done)]
        if done {
            line["done_reason"] = .string(answer.finishReason ?? "stop")
            line["prompt_eval_count"] = JSONValue(answer.inputTokens)
            line["eval_count"] = JSONValue(answer.outputTokens)
        }
        return .object(line)
    }

    static func ollamaLines(_ answer: FakeAnswer, model: String) -> [String] {
        var lines = answer.pieces.map { ollamaLine(answer, model: model, done: false, piece: $0).jsonString + "\n" }
        if answer.toolCall != nil { lines.append(ollamaLine(answer, model: model, done: false, piece: "", call: true).jsonString + "\n") }
        switch answer.ending {
        case .cut: return lines
        case let .error(message): return lines + [JSONValue.object(["error": .string(message)]).jsonString + "\n"]
        case .complete: return lines + [ollamaLine(answer, model: model, done: true, piece: "").jsonString + "\n"]
        }
    }
}
