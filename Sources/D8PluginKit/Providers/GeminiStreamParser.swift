import D8JSON

/// Gemini's :streamGenerateContent?alt=sse: each event a whole GenerateContentResponse holding
/// the next parts; the last has finishReason, and usageMetadata (running totals) rides along.
/// A failure mid-stream is an event holding {"error": google.rpc.Status}.
package struct GeminiStreamParser: EventStreamParser {
    private var framer = SSEFramer()
    package private(set) var sofar = StreamAccumulator()
    package var problem: StreamProblem?
    private var finished = false

    package init() {}

    package mutating func feed(_ bytes: [UInt8]) -> [ChatDelta] { handle(framer.push(bytes)) }

    package mutating func finish() -> Result<Completion, StreamProblem> {
        _ = handle(framer.finish())
        // As generateContent: nothing written is a refusal, unless it is max_tokens' (the engine's).
        if problem == nil, finished, sofar.text.isEmpty, !sofar.hasCalls, sofar.finishReason != "length" {
            return .failure(.providerError(retryable: false, message: "the answer has no text (finishReason \(reason ?? "none given"))"))
        }
        return ending(complete: finished, missing: "a finishReason")
    }

    private var reason: String?

    package mutating func take(_ event: SSEFramer.Event) throws(StreamProblem) -> [ChatDelta] {
        guard let response = try? JSONValue.parse(event.data), response.objectValue != nil else { throw .malformed("an event that is not a JSON object") }
        if let error = response["error"] {
            let status = error["status"]?.stringValue ?? ""
            let code = error["code"]?.intValue ?? 0
            throw .providerError(retryable: code == 429 || code >= 500 || ["RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL"].contains(status),
                                 message: error["message"]?.stringValue ?? status)
        }
        if let blocked = response["promptFeedback"]?["blockReason"]?.stringValue {
            throw .providerError(retryable: false, message: "the prompt was blocked (blockReason \(blocked))")
        }
        if let version = response["modelVersion"]?.stringValue { sofar.model = version }
        if let usage = response["usageMetadata"], usage.objectValue != nil {
            sofar.usage = GeminiAnswer.usage(usage)
            sofar.inputCounted = usage["promptTokenCount"] != nil
        }
        guard let candidate = response["candidates"]?.arrayValue?.first else { return [] }
        let deltas = GeminiAnswer.read(candidate, into: &sofar)
        if let raw = candidate["finishReason"]?.stringValue {
            reason = raw
            finished = true
            sofar.outputCounted = true // the last event's counts are the answer's
        }
        return deltas
    }
}
