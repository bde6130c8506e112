import D8JSON

/// What Anthropic's answers say, read the same whole (ClaudeCodec) and streamed
/// (ClaudeStreamParser): the usage and the stop reason in OpenAI's words.
package enum ClaudeAnswer {
    /// Anthropic's input_tokens leaves out the cache: the whole input is input_tokens plus
    /// cache_read_input_tokens plus cache_creation_input_tokens, each priced at its own rate.
    package static func usage(_ usage: JSONValue) throws(CompletionProblem) -> TokenUsage {
        let read = usage["cache_read_input_tokens"]?.tokenCount ?? 0
        let written = usage["cache_creation_input_tokens"]?.tokenCount ?? 0
        return TokenUsage(
            input: try usage.require("input_tokens") { $0.tokenCount } + read + written,
            output: try usage.require("output_tokens") { $0.tokenCount }, cachedInput: read, cacheWrite: written)
    }

    package static func finishReason(_ reason: String) -> String {
        switch reason {
        case "max_tokens": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop" // end_turn, stop_sequence, pause_turn
        }
    }
}
