import D8JSON
import D8PluginKit
import Testing

/// The OpenAI stream parser against a stream in Groq's recorded shape (usage both in x_groq and
/// in the include_usage chunk), fed whole and split at every byte.
@Suite struct OpenAIStreamParserTests {
    static let stream = """
        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"content":"Hé"},"finish_reason":null}]}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_9","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\":"}}]},"finish_reason":null}]}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris\\"}"}}]},"finish_reason":null}]}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":23,"completion_tokens":19,"total_tokens":42}}}

        data: {"id":"chatcmpl-1","object":"chat.completion.chunk","model":"llama-3.3-70b-versatile","choices":[],"usage":{"prompt_tokens":23,"completion_tokens":19,"total_tokens":42,"prompt_tokens_details":{"cached_tokens":8}}}

        data: [DONE]


        """.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")

    static let deltas: [ChatDelta] = [
        .content("Hé"),
        .toolCallStart(index: 0, id: "call_9", name: "get_weather", arguments: ""),
        .toolArguments(index: 0, piece: #"{"city":"#),
        .toolArguments(index: 0, piece: #""Paris"}"#),
    ]

    static let completion = Completion(
        text: "Hé", usage: TokenUsage(input: 23, output: 19, cachedInput: 8), model: "llama-3.3-70b-versatile",
        toolCalls: [ToolCall(id: "call_9", name: "get_weather", arguments: #"{"city":"Paris"}"#)], finishReason: "tool_calls")

    func parse(_ pieces: [[UInt8]]) -> ([ChatDelta], Result<Completion, StreamProblem>) {
        var parser = OpenAIChatCodec(baseURL: "http://h", apiKey: nil, usageRequired: true).streamParser()
        let deltas = pieces.flatMap { parser.feed($0) }
        return (deltas, parser.finish())
    }

    @Test func everySplitPointGivesTheSameDeltasAndCompletion() {
        let bytes = Array(Self.stream.utf8)
        for split in 0...bytes.count {
            let (deltas, ending) = parse([Array(bytes[..<split]), Array(bytes[split...])])
            #expect(deltas == Self.deltas, "split at \(split)")
            #expect(ending == .success(Self.completion), "split at \(split)")
        }
        let (byteByByte, ending) = parse(bytes.map { [$0] })
        #expect(byteByByte == Self.deltas)
        #expect(ending == .success(Self.completion))
    }

    @Test func aStreamWithoutDoneIsCutNamingIt() {
        let bytes = Array(Self.stream.utf8)
        let cut = bytes.firstRange(of: Array("data: [DONE]".utf8))!.lowerBound
        let (deltas, ending) = parse([Array(bytes[..<cut])])
        #expect(deltas == Self.deltas)
        #expect(ending == .failure(.cut("the stream ended before data: [DONE]")))
    }

    @Test func anErrorEventIsTheProvidersMessage() {
        let stream = #"data: {"choices":[{"index":0,"delta":{"content":"a"}}]}"# + "\n\n"
            + #"data: {"error":{"message":"Rate limit reached","type":"rate_limit_exceeded"}}"# + "\n\n"
        let (deltas, ending) = parse([Array(stream.utf8)])
        #expect(deltas == [.content("a")])
        #expect(ending == .failure(.providerError(retryable: true, message: "Rate limit reached")))
        let (_, fatal) = parse([Array(#"data: {"error":{"message":"bad","type":"invalid_request_error"}}"#.utf8 + [10, 10])])
        #expect(fatal == .failure(.providerError(retryable: false, message: "bad")))
    }
}
