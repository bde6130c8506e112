import D8PluginKit
import Testing

/// Ollama's /api/chat NDJSON, from docs/api.md (a streamed chunk, and the final line's counts
/// from its tool call example) and the streaming tool calls post (ollama.com/blog/streaming-tool:
/// the call comes whole on a line of its own, and the last line still says done_reason "stop").
@Suite struct OllamaStreamParserTests {
    static let stream = """
        {"model":"llama3.2","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"The","images":null},"done":false}
        {"model":"llama3.2","created_at":"2023-08-04T08:52:19.405406455-07:00","message":{"role":"assistant","content":" weather tool — ","images":null},"done":false}
        {"model":"llama3.2","created_at":"2024-07-22T20:33:28.123648Z","message":{"role":"assistant","content":"","tool_calls":[{"function":{"name":"get_current_weather","arguments":{"format":"celsius","location":"Paris, FR"}}}]},"done":false}
        {"model":"llama3.2","created_at":"2024-07-22T20:33:28.223648Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":885095291,"load_duration":3753500,"prompt_eval_count":122,"prompt_eval_duration":328493000,"eval_count":33,"eval_duration":552222000}

        """

    static let arguments = #"{"format":"celsius","location":"Paris, FR"}"#

    static let deltas: [ChatDelta] = [
        .content("The"), .content(" weather tool — "),
        .toolCallStart(index: 0, id: "call_0", name: "get_current_weather", arguments: arguments),
    ]

    static let completion = Completion(
        text: "The weather tool — ", usage: TokenUsage(input: 122, output: 33), model: "llama3.2",
        toolCalls: [ToolCall(id: "call_0", name: "get_current_weather", arguments: arguments)], finishReason: "tool_calls")

    @Test func everySplitGivesTheSameDeltasAndCompletion() {
        for (split, pieces) in RecordedStream.splits(Self.stream) {
            let (deltas, ending) = RecordedStream.parse(OllamaStreamParser(), pieces)
            #expect(deltas == Self.deltas, "\(split)")
            #expect(ending == .success(Self.completion), "\(split)")
        }
    }

    /// A body cut inside a line is cut too, not malformed: the line never came whole.
    @Test func aStreamCutBeforeTheDoneLineIsCutNamingIt() {
        for (length, body) in RecordedStream.cuts(Self.stream, before: #""done":true"#) {
            let (_, ending) = RecordedStream.parse(OllamaStreamParser(), [body])
            #expect(ending == .failure(.cut(#"the stream ended before the line with "done": true"#)), "cut after \(length) bytes")
        }
    }

    /// The runner failing mid-answer is a 500 over HTTP: another try may pass.
    @Test func anErrorLineIsTheProvidersMessageRetried() {
        let head = Self.stream.split(separator: "\n")[0] + "\n"
        let error = #"{"error":"an error was encountered while running the model: unexpected EOF"}"# + "\n"
        let (deltas, ending) = RecordedStream.parse(OllamaStreamParser(), [Array((head + error).utf8)])
        #expect(deltas == [.content("The")])
        #expect(ending == .failure(.providerError(retryable: true, message: "an error was encountered while running the model: unexpected EOF")))
    }
}
