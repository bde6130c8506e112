import D8PluginKit
import Testing

/// Anthropic's event stream, from the streaming docs' "streaming request with tool use" example
/// (platform.claude.com/docs/en/build-with-claude/streaming); its message_start usage is given
/// cache counts in the shape of the same page's web search example.
@Suite struct ClaudeStreamParserTests {
    static let stream = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-opus-4-6","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":128,"cache_read_input_tokens":1024,"output_tokens":2},"content":[],"stop_reason":null}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":","}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" let"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'s"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" check"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" weather"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" for"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" San"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" Francisco"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":","}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" CA"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":":"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" Francisc"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o,"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" CA\\""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":","}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"unit\\": \\"fah"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"renheit\\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

        event: message_stop
        data: {"type":"message_stop"}


        """

    static let deltas: [ChatDelta] = ["Okay", ",", " let", "'s", " check", " the", " weather", " for", " San", " Francisco", ",", " CA", ":"].map(ChatDelta.content)
        + [.toolCallStart(index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", arguments: "")]
        + [#"{"location":"#, #" "San"#, " Francisc", "o,", #" CA""#, ",", #" "unit": "fah"#, #"renheit"}"#].map { .toolArguments(index: 0, piece: $0) }

    /// input_tokens leaves the cache out: the whole input is 472 + 1024 read + 128 written.
    static let completion = Completion(
        text: "Okay, let's check the weather for San Francisco, CA:",
        usage: TokenUsage(input: 1624, output: 89, cachedInput: 1024, cacheWrite: 128), model: "claude-opus-4-6",
        toolCalls: [ToolCall(id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", name: "get_weather", arguments: #"{"location": "San Francisco, CA", "unit": "fahrenheit"}"#)],
        finishReason: "tool_calls")

    @Test func everySplitGivesTheSameDeltasAndCompletion() {
        for (split, pieces) in RecordedStream.splits(Self.stream) {
            let (deltas, ending) = RecordedStream.parse(ClaudeStreamParser(), pieces)
            #expect(deltas == Self.deltas, "\(split)")
            #expect(ending == .success(Self.completion), "\(split)")
        }
    }

    @Test func aStreamCutBeforeMessageStopIsCutNamingIt() {
        for (length, body) in RecordedStream.cuts(Self.stream, before: #"data: {"type":"message_stop"}"#) {
            let (_, ending) = RecordedStream.parse(ClaudeStreamParser(), [body])
            #expect(ending == .failure(.cut("the stream ended before message_stop")), "cut after \(length) bytes")
        }
    }

    /// The docs' error event: overloaded_error, as HTTP 529, passes on another try.
    @Test func anErrorEventIsTheProvidersMessageRetriedAsItsHTTPStatus() {
        func ending(_ type: String, _ message: String) -> Result<Completion, StreamProblem> {
            let head = Self.stream[..<Self.stream.firstRange(of: "event: content_block_stop")!.lowerBound]
            let error = "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"\(type)\", \"message\": \"\(message)\"}}\n\n"
            let (deltas, ending) = RecordedStream.parse(ClaudeStreamParser(), [Array((head + error).utf8)])
            #expect(deltas == Array(Self.deltas.prefix(13)))
            return ending
        }
        #expect(ending("overloaded_error", "Overloaded") == .failure(.providerError(retryable: true, message: "Overloaded")))
        #expect(ending("rate_limit_error", "Rate limited") == .failure(.providerError(retryable: true, message: "Rate limited")))
        #expect(ending("api_error", "Internal server error") == .failure(.providerError(retryable: true, message: "Internal server error")))
        // 504 timeout_error is retried over HTTP, so mid-stream too.
        #expect(ending("timeout_error", "Request timed out") == .failure(.providerError(retryable: true, message: "Request timed out")))
        #expect(ending("invalid_request_error", "Bad request") == .failure(.providerError(retryable: false, message: "Bad request")))
    }
}
