import D8Core
import D8Wire
import Testing

/// The front door's request checks and answer shapes, as plain values.
@Suite("OpenAI wire: requests and answers")
struct ChatCompletionTests {
    static func request(_ extra: [String: JSONValue]) throws(OpenAIError) -> ChatCompletionRequest {
        var body: [String: JSONValue] = ["model": "fast", "messages": [["role": "user", "content": "hi"]]]
        body.merge(extra) { _, new in new }
        return try ChatCompletionRequest(json: body)
    }

    @Test func fieldsAreNormalisedForThePlugins() throws {
        let r = try Self.request([
            "max_completion_tokens": 64, "stop": "END", "stream": true, "stream_options": ["include_usage": true],
            "messages": [["role": "developer", "content": "be brief"], ["role": "user", "content": [["type": "text", "text": "hi"]]]],
        ])
        #expect(r.stream && r.includeUsage)
        #expect(r.data["max_tokens"] == 64 && r.data["max_completion_tokens"] == nil)
        #expect(r.data["stop"] == ["END"])
        #expect(r.data["messages"]?.arrayValue?.first?["role"] == "system")
        #expect(r.data["stream"] == true)
        #expect(r.data["model"] == nil, "the model is routing, not data")
    }

    @Test func toolsAndToolMessagesPass() throws {
        let r = try Self.request([
            "tools": [["type": "function", "function": ["name": "weather", "parameters": ["type": "object"]]]], "tool_choice": "required",
            "messages": [
                ["role": "user", "content": "weather?"],
                ["role": "assistant", "content": .null, "tool_calls": [["id": "c1", "type": "function", "function": ["name": "weather", "arguments": "{}"]]]],
                ["role": "tool", "tool_call_id": "c1", "content": "sunny"],
            ],
        ])
        #expect(r.data["tools"]?.arrayValue?.count == 1)
        #expect(r.data["messages"]?.arrayValue?.count == 3)
    }

    @Test(arguments: [
        (["stream_options": ["include_usage": true]], "stream_options"),
        (["max_tokens": 0], "max_tokens"),
        (["top_p": 1.5], "top_p"),
        (["stop": ["a", "b", "c", "d", "e"]], "stop"),
        (["response_format": ["type": "json_schema"]], "response_format"),
        (["tools": [["type": "retrieval"]]], "tools[0].type"),
        (["messages": [["role": "tool", "content": "x"]]], "messages[0].tool_call_id"),
        (["messages": []], "messages"),
        (["parallel_tool_calls": false], "parallel_tool_calls"),
        (["presence_penalty": 0.5], "presence_penalty"),
    ] as [([String: JSONValue], String)])
    func aBadFieldNamesItself(extra: [String: JSONValue], param: String) {
        #expect(throws: OpenAIError.self) { try Self.request(extra) }
        do { _ = try Self.request(extra) } catch {
            #expect(error.param == param)
            #expect(error.statusCode == 400)
        }
    }

    @Test func aCompletionCarriesToolCallsAndUsage() {
        let answer = ChatCompletion(taskID: "t1", created: 5, model: "fast")
        let result: JSONValue = [
            "output": "", "tool_calls": [["id": "c1", "type": "function", "function": ["name": "f", "arguments": "{}"]]],
            "usage": ["input_tokens": 10, "output_tokens": 4, "reasoning_tokens": 2], "cost_usd": 0.01,
        ]
        let body = answer.completion(result: result)
        let choice = body["choices"]?.arrayValue?.first
        #expect(body["id"] == "chatcmpl-t1")
        #expect(choice?["finish_reason"] == "tool_calls")
        #expect(choice?["message"]?["content"] == .null)
        #expect(choice?["message"]?["tool_calls"]?.arrayValue?.count == 1)
        #expect(body["usage"]?["total_tokens"] == 14)
        #expect(body["usage"]?["completion_tokens_details"]?["reasoning_tokens"] == 2)
    }

    @Test func chunksShareTheirIdAndCarryNullUsageWhenAsked() {
        let answer = ChatCompletion(taskID: "t1", created: 5, model: "fast")
        let chunk = answer.chunk(delta: ["content": "a"], includeUsage: true)
        #expect(chunk["object"] == "chat.completion.chunk" && chunk["id"] == "chatcmpl-t1")
        #expect(chunk["usage"] == .null)
        #expect(answer.chunk(delta: [:], includeUsage: false)["usage"] == nil)
        #expect(answer.usageChunk(result: ["usage": ["input_tokens": 1, "output_tokens": 1]])["choices"] == [])
    }
}
