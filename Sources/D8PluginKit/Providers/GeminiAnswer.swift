import D8JSON

/// What Gemini's GenerateContentResponse says, read the same whole (GeminiCodec) and streamed
/// (GeminiStreamParser): candidate parts, usageMetadata, finishReason in OpenAI's words.
/// Gemini has no call ids: calls get stable ids by position (call_0, call_1, ...).
package enum GeminiAnswer {
    /// One candidate (whole, or a streamed piece) into the answer: text parts (thought
    /// summaries left out), function calls whole, and the finish reason. Returns the deltas.
    package static func read(_ candidate: JSONValue, into answer: inout StreamAccumulator) -> [ChatDelta] {
        var deltas: [ChatDelta] = []
        for part in candidate["content"]?["parts"]?.arrayValue ?? [] where part["thought"] != true {
            if let text = part["text"]?.stringValue, let delta = answer.append(text: text) { deltas.append(delta) }
            if let call = part["functionCall"], let name = call["name"]?.stringValue {
                let index = answer.toolCalls.count
                // Sorted keys: the same call spelled the same in every run (object keys come hashed).
                deltas.append(answer.startCall(index: index, id: "call_\(index)", name: name, arguments: (call["args"] ?? [:]).canonicalJSONString))
            }
        }
        if let reason = candidate["finishReason"]?.stringValue { answer.finishReason = finishReason(reason, calls: answer.hasCalls) }
        return deltas
    }

    /// promptTokenCount includes the cached tokens; thinking is billed as output and counts
    /// against maxOutputTokens, so output is candidates plus thoughts.
    package static func usage(_ usage: JSONValue) -> TokenUsage {
        let thoughts = usage["thoughtsTokenCount"]?.tokenCount ?? 0
        return TokenUsage(
            input: usage["promptTokenCount"]?.tokenCount ?? 0,
            // Absent when the model wrote nothing countable.
            output: (usage["candidatesTokenCount"]?.tokenCount ?? 0) + thoughts,
            cachedInput: usage["cachedContentTokenCount"]?.tokenCount ?? 0, reasoning: thoughts)
    }

    package static func finishReason(_ reason: String, calls: Bool) -> String {
        switch reason {
        case "MAX_TOKENS": "length"
        case "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY": "content_filter"
        default: calls ? "tool_calls" : "stop"
        }
    }
}
