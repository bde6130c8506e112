import D8JSON

/// OpenAI's streamed chat completion: `data: {chat.completion.chunk}` events, then
/// `data: [DONE]`. Tool calls come as delta.tool_calls pieces by index (id and name on the
/// first). Usage comes in a last chunk with empty choices (stream_options.include_usage), and
/// from Groq also in x_groq.usage of the final chunk. An error mid-stream is `data: {"error":...}`.
struct OpenAIStreamParser: EventStreamParser {
    private var framer = SSEFramer()
    private(set) var sofar = StreamAccumulator()
    var problem: StreamProblem?
    private var done = false

    mutating func feed(_ bytes: [UInt8]) -> [ChatDelta] { handle(framer.push(bytes)) }

    mutating func finish() -> Result<Completion, StreamProblem> {
        _ = handle(framer.finish())
        return ending(complete: done, missing: "data: [DONE]")
    }

    mutating func take(_ event: SSEFramer.Event) throws(StreamProblem) -> [ChatDelta] {
        guard !done else { return [] }
        if event.data == "[DONE]" {
            done = true
            return []
        }
        guard let chunk = try? JSONValue.parse(event.data), chunk.objectValue != nil else { throw .malformed("an event that is not a JSON object") }
        if let error = chunk["error"] { throw Self.problem(error) }
        if sofar.model == nil { sofar.model = chunk["model"]?.stringValue }
        for usage in [chunk["usage"], chunk["x_groq"]?["usage"]].compactMap({ $0 }) where usage.objectValue != nil {
            do throws(CompletionProblem) {
                sofar.usage = try OpenAIChatCodec.usage(usage)
                sofar.inputCounted = true
                sofar.outputCounted = true
            } catch {
                throw .malformed("usage without prompt_tokens and completion_tokens")
            }
        }
        guard let choice = chunk["choices"]?.arrayValue?.first else { return [] }
        if let reason = choice["finish_reason"]?.stringValue { sofar.finishReason = OpenAIChatCodec.finishReason(reason) }
        var deltas: [ChatDelta] = []
        if let text = choice["delta"]?["content"]?.stringValue, let delta = sofar.append(text: text) { deltas.append(delta) }
        for call in choice["delta"]?["tool_calls"]?.arrayValue ?? [] {
            let index = call["index"]?.intValue ?? 0
            let arguments = call["function"]?["arguments"]?.stringValue ?? ""
            if !sofar.hasCall(index) {
                guard let name = call["function"]?["name"]?.stringValue else { throw .malformed("tool call \(index) starts without a function name") }
                deltas.append(sofar.startCall(index: index, id: call["id"]?.stringValue ?? "call_\(index)", name: name, arguments: arguments))
            } else if let delta = sofar.append(arguments: arguments, index: index) {
                deltas.append(delta)
            }
        }
        return deltas
    }

    /// Rate limits and server-side trouble may pass on another try; the rest will not.
    static func problem(_ error: JSONValue) -> StreamProblem {
        let kind = [error["type"]?.stringValue, error["code"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        let message = error["message"]?.stringValue ?? error.stringValue ?? error.jsonString
        let retryable = ["rate_limit", "overloaded", "server_error", "service_unavailable", "timeout"].contains { kind.contains($0) }
        return .providerError(retryable: retryable, message: ErrorMessage.oneLine(message))
    }
}
