import D8PluginKit
import Testing

/// Gemini's streamGenerateContent?alt=sse, from a recorded gemini-2.5-flash stream (a thought
/// summary, then text; usageMetadata running totals with thoughtsTokenCount). The last event is
/// ours in the API reference's shape: text with multi-byte characters, a functionCall part, and
/// cachedContentTokenCount.
@Suite struct GeminiStreamParserTests {
    static let stream = """
        data: {"candidates": [{"content": {"parts": [{"text": "**Calculating Prime Sum**\\n\\nI've determined the task involves summing the first 50 primes.\\n\\n\\n","thought": true}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 28,"totalTokenCount": 98,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 28}],"thoughtsTokenCount": 70},"modelVersion": "gemini-2.5-flash","responseId": "WEXbaMnpF7iPjMcP27mckQE"}

        data: {"candidates": [{"content": {"parts": [{"text": "To find the sum of the first 50 prime numbers, we first need to list them and then add them up.\\n\\n"}],"role": "model"},"index": 0}],"usageMetadata": {"promptTokenCount": 28,"candidatesTokenCount": 47,"totalTokenCount": 1249,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 28}],"thoughtsTokenCount": 1174},"modelVersion": "gemini-2.5-flash","responseId": "WEXbaMnpF7iPjMcP27mckQE"}

        data: {"candidates": [{"content": {"parts": [{"text": "The first 50 primes end at 229 (π ≈ 3.14…)."},{"functionCall": {"name": "sum_numbers","args": {"numbers": [2, 3, 5], "label": "primes"}}}],"role": "model"},"finishReason": "STOP","index": 0}],"usageMetadata": {"promptTokenCount": 28,"candidatesTokenCount": 64,"totalTokenCount": 1266,"cachedContentTokenCount": 16,"promptTokensDetails": [{"modality": "TEXT","tokenCount": 28}],"cacheTokensDetails": [{"modality": "TEXT","tokenCount": 16}],"thoughtsTokenCount": 1174},"modelVersion": "gemini-2.5-flash","responseId": "WEXbaMnpF7iPjMcP27mckQE"}


        """

    static let arguments = #"{"label":"primes","numbers":[2,3,5]}"#

    static let deltas: [ChatDelta] = [
        .content("To find the sum of the first 50 prime numbers, we first need to list them and then add them up.\n\n"),
        .content("The first 50 primes end at 229 (π ≈ 3.14…)."),
        .toolCallStart(index: 0, id: "call_0", name: "sum_numbers", arguments: arguments),
    ]

    /// promptTokenCount includes the cached 16; thoughts are billed as output.
    static let completion = Completion(
        text: "To find the sum of the first 50 prime numbers, we first need to list them and then add them up.\n\nThe first 50 primes end at 229 (π ≈ 3.14…).",
        usage: TokenUsage(input: 28, output: 64 + 1174, cachedInput: 16, reasoning: 1174), model: "gemini-2.5-flash",
        toolCalls: [ToolCall(id: "call_0", name: "sum_numbers", arguments: arguments)], finishReason: "tool_calls")

    @Test func everySplitGivesTheSameDeltasAndCompletion() {
        for (split, pieces) in RecordedStream.splits(Self.stream) {
            let (deltas, ending) = RecordedStream.parse(GeminiStreamParser(), pieces)
            #expect(deltas == Self.deltas, "\(split)")
            #expect(ending == .success(Self.completion), "\(split)")
        }
    }

    /// Vertex AI's shape (recorded, gemini-3.1-flash-lite-preview): usageMetadata without counts
    /// until the last event, whose only part is an empty text with a thoughtSignature.
    @Test func vertexCountsOnlyInTheLastEvent() {
        let stream = """
            data: {"candidates": [{"content": {"role": "model","parts": [{"text": "Hello!"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"},"modelVersion": "gemini-3.1-flash-lite-preview","createTime": "2026-03-10T14:54:45.066123Z","responseId": "tTCwacuEBMvnitYP06qsgQY"}\r
            \r
            data: {"candidates": [{"content": {"role": "model","parts": [{"text": " How can I help you today"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"},"modelVersion": "gemini-3.1-flash-lite-preview","createTime": "2026-03-10T14:54:45.066123Z","responseId": "tTCwacuEBMvnitYP06qsgQY"}\r
            \r
            data: {"candidates": [{"content": {"role": "model","parts": [{"text": "?"}]}}],"usageMetadata": {"trafficType": "ON_DEMAND"},"modelVersion": "gemini-3.1-flash-lite-preview","createTime": "2026-03-10T14:54:45.066123Z","responseId": "tTCwacuEBMvnitYP06qsgQY"}\r
            \r
            data: {"candidates": [{"content": {"role": "model","parts": [{"text": "","thoughtSignature": "AY89a18iOcFus5wr5bW5xN6zZ4aUiCyhgmg6HE2YjtYDV/dwZ5oZlZHeTmiUKv34qq0="}]},"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 1,"candidatesTokenCount": 9,"totalTokenCount": 10,"trafficType": "ON_DEMAND","promptTokensDetails": [{"modality": "TEXT","tokenCount": 1}],"candidatesTokensDetails": [{"modality": "TEXT","tokenCount": 9}]},"modelVersion": "gemini-3.1-flash-lite-preview","createTime": "2026-03-10T14:54:45.066123Z","responseId": "tTCwacuEBMvnitYP06qsgQY"}\r
            \r

            """
        let (deltas, ending) = RecordedStream.parse(GeminiStreamParser(), [Array(stream.utf8)])
        #expect(deltas == ["Hello!", " How can I help you today", "?"].map(ChatDelta.content))
        #expect(ending == .success(Completion(
            text: "Hello! How can I help you today?", usage: TokenUsage(input: 1, output: 9),
            model: "gemini-3.1-flash-lite-preview", finishReason: "stop")))
    }

    @Test func aStreamCutBeforeTheFinishReasonIsCutNamingIt() {
        for (length, body) in RecordedStream.cuts(Self.stream, before: #""finishReason": "STOP""#) {
            let (_, ending) = RecordedStream.parse(GeminiStreamParser(), [body])
            #expect(ending == .failure(.cut("the stream ended before a finishReason")), "cut after \(length) bytes")
        }
    }

    /// A google.rpc.Status event mid-stream: 429 and 5xx pass on another try, as over HTTP.
    @Test func anErrorEventIsTheProvidersMessageRetriedAsItsHTTPStatus() {
        func ending(_ code: Int, _ status: String, _ message: String) -> Result<Completion, StreamProblem> {
            let head = Self.stream[..<Self.stream.firstRange(of: #"data: {"candidates": [{"content": {"parts": [{"text": "The first"#)!.lowerBound]
            let error = #"data: {"error": {"code": \#(code), "message": "\#(message)", "status": "\#(status)"}}"# + "\n\n"
            let (deltas, ending) = RecordedStream.parse(GeminiStreamParser(), [Array((head + error).utf8)])
            #expect(deltas == [Self.deltas[0]])
            return ending
        }
        #expect(ending(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
            == .failure(.providerError(retryable: true, message: "The model is overloaded. Please try again later.")))
        #expect(ending(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted")
            == .failure(.providerError(retryable: true, message: "Resource has been exhausted")))
        #expect(ending(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
            == .failure(.providerError(retryable: false, message: "Request contains an invalid argument.")))
    }
}
