import D8JSON

/// Anthropic's event stream: message_start (model, input usage with the cache counts),
/// content_block_start (text or tool_use), content_block_delta (text_delta, input_json_delta),
/// message_delta (stop_reason, cumulative output usage), message_stop; ping in between; an
/// `error` event when the stream fails (overloaded_error and the like).
package struct ClaudeStreamParser: EventStreamParser {
    private var framer = SSEFramer()
    package private(set) var sofar = StreamAccumulator()
    package var problem: StreamProblem?
    private var stopped = false
    /// Content block index → tool call index (tool calls are numbered among themselves).
    private var callIndex: [Int: Int] = [:]

    package init() {}

    package mutating func feed(_ bytes: [UInt8]) -> [ChatDelta] { handle(framer.push(bytes)) }

    package mutating func finish() -> Result<Completion, StreamProblem> {
        _ = handle(framer.finish())
        return ending(complete: stopped, missing: "message_stop")
    }

    package mutating func take(_ sse: SSEFramer.Event) throws(StreamProblem) -> [ChatDelta] {
        guard let event = try? JSONValue.parse(sse.data), let type = event["type"]?.stringValue else { throw .malformed("an event without a type") }
        switch type {
        case "message_start":
            sofar.model = event["message"]?["model"]?.stringValue
            try count(event["message"]?["usage"], final: false)
        case "content_block_start":
            let block = event["content_block"]
            if block?["type"] == "tool_use", let index = event["index"]?.intValue {
                guard let id = block?["id"]?.stringValue, let name = block?["name"]?.stringValue else { throw .malformed("a tool_use block without id or name") }
                let call = callIndex.count
                callIndex[index] = call
                return [sofar.startCall(index: call, id: id, name: name)]
            }
            if let text = block?["text"]?.stringValue { return sofar.append(text: text).map { [$0] } ?? [] }
        case "content_block_delta":
            let delta = event["delta"]
            if delta?["type"] == "text_delta", let text = delta?["text"]?.stringValue { return sofar.append(text: text).map { [$0] } ?? [] }
            if delta?["type"] == "input_json_delta", let piece = delta?["partial_json"]?.stringValue,
               let index = event["index"]?.intValue, let call = callIndex[index] {
                return sofar.append(arguments: piece, index: call).map { [$0] } ?? []
            }
        case "message_delta":
            if let reason = event["delta"]?["stop_reason"]?.stringValue { sofar.finishReason = ClaudeAnswer.finishReason(reason) }
            try count(event["usage"], final: true)
        case "message_stop":
            stopped = true
        case "error":
            let kind = event["error"]?["type"]?.stringValue ?? ""
            let message = event["error"]?["message"]?.stringValue ?? kind
            // Overloaded (529), rate-limited (429), internal (500) and timed out (504) pass on
            // another try, as their HTTP statuses do.
            throw .providerError(retryable: ["overloaded_error", "rate_limit_error", "api_error", "timeout_error"].contains(kind), message: message)
        default:
            break // ping, content_block_stop, and event types added later
        }
        return []
    }

    /// message_start's usage counts the input (output_tokens there is a placeholder); each
    /// message_delta carries the cumulative output, and may repeat the input counts.
    private mutating func count(_ usage: JSONValue?, final: Bool) throws(StreamProblem) {
        guard let usage, usage.objectValue != nil else { return }
        if usage["input_tokens"] != nil {
            do throws(CompletionProblem) {
                let counted = try ClaudeAnswer.usage(usage["output_tokens"] == nil ? merged(usage, ["output_tokens": 0]) : usage)
                sofar.usage.input = counted.input
                sofar.usage.cachedInput = counted.cachedInput
                sofar.usage.cacheWrite = counted.cacheWrite
                sofar.inputCounted = true
            } catch {
                throw .malformed("usage without input_tokens")
            }
        }
        if final, let output = usage["output_tokens"]?.tokenCount {
            sofar.usage.output = output
            sofar.outputCounted = true
        }
    }

    private func merged(_ usage: JSONValue, _ extra: [String: JSONValue]) -> JSONValue {
        .object((usage.objectValue ?? [:]).merging(extra) { old, _ in old })
    }
}
