import D8JSON

/// What Ollama's /api/chat answers say, read the same whole (OllamaCodec) and line by line
/// (OllamaStreamParser). Token counts are prompt_eval_count and eval_count, which Ollama
/// leaves out when it served the prompt from its cache, hence 0 then.
package enum OllamaAnswer {
    /// One response object (whole, or a streamed line) into the answer; returns the deltas.
    package static func read(_ line: JSONValue, into answer: inout StreamAccumulator) throws(CompletionProblem) -> [ChatDelta] {
        var deltas: [ChatDelta] = []
        if answer.model == nil { answer.model = line["model"]?.stringValue }
        if let text = line["message"]?["content"]?.stringValue, let delta = answer.append(text: text) { deltas.append(delta) }
        for call in line["message"]?["tool_calls"]?.arrayValue ?? [] {
            let index = answer.toolCalls.count
            let name = try call.require("function.name") { $0.stringValue }
            // Sorted keys: the same call spelled the same in every run (object keys come hashed).
            let arguments = call["function"]?["arguments"].map { $0.stringValue ?? $0.canonicalJSONString } ?? "{}"
            deltas.append(answer.startCall(index: index, id: call["id"]?.stringValue ?? "call_\(index)", name: name, arguments: arguments))
        }
        if line["done"] == true {
            answer.usage = TokenUsage(input: line["prompt_eval_count"]?.tokenCount ?? 0, output: line["eval_count"]?.tokenCount ?? 0)
            answer.inputCounted = true
            answer.outputCounted = true
            answer.finishReason = line["done_reason"] == "length" ? "length" : answer.hasCalls ? "tool_calls" : "stop"
        }
        return deltas
    }
}
