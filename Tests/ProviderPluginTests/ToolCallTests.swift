import D8Core
import D8Harness
import D8Worker
import Testing

/// A tool call round trip per provider: the model calls a function (streamed and not), and the
/// next turn sends the call and its answer back in the provider's own shape.
@Suite struct ToolCallTests {
    static let call = FakeAnswer(pieces: [], toolCall: (name: "get_weather", arguments: [#"{"city":"#, #""Paris"}"#]), inputTokens: 50, outputTokens: 20)
    static let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]]]
    static let ask = Tasks.task("chat", ["messages": [["role": "user", "content": "Weather in Paris?"]], "tools": tools, "tool_choice": "auto"])

    @Test(arguments: ProviderCase.all)
    func theCallComesBackInOpenAIShape(provider: ProviderCase) throws {
        let expected: JSONValue = [["id": .string(provider.firstCallID), "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]]
        for streamed in [false, true] {
            let run = try PluginUnderTest(provider, handler: provider.fake(Self.call))
            let (deltas, outcome) = streamed ? run.stream(Self.ask) : ([], run.execute(Self.ask))
            guard case let .ok(result) = outcome else {
                Issue.record("\(provider) streamed \(streamed): expected ok, got \(outcome)")
                continue
            }
            #expect(result["output"] == "")
            #expect(result["finish_reason"] == "tool_calls")
            #expect(result["tool_calls"] == expected, "streamed \(streamed)")
            if streamed {
                #expect(deltas.first?["tool_calls"]?.arrayValue?.first?["function"]?["name"] == "get_weather")
                let arguments = deltas.compactMap { $0["tool_calls"]?.arrayValue?.first?["function"]?["arguments"]?.stringValue }.joined()
                #expect(arguments == #"{"city":"Paris"}"#)
            }
        }
    }

    /// The conversation after the call: the assistant's call and the tool's answer.
    static func followUp(id: String) -> JSONValue {
        Tasks.task("chat", ["tools": tools, "messages": [
            ["role": "user", "content": "Weather in Paris?"],
            ["role": "assistant", "content": nil, "tool_calls": [["id": .string(id), "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]]]],
            ["role": "tool", "tool_call_id": .string(id), "content": "18C"],
        ]])
    }

    @Test func claudeSendsToolUseAndToolResultBlocks() throws {
        let run = try PluginUnderTest(.claude, handler: ProviderCase.claude.fake(FakeAnswer(pieces: ["Mild."])))
        _ = run.execute(Self.followUp(id: "toolu_1"))
        let body = try #require(run.fake.requests.first?.json)
        #expect(body["messages"] == [
            ["role": "user", "content": "Weather in Paris?"],
            ["role": "assistant", "content": [["type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": ["city": "Paris"]]]],
            ["role": "user", "content": [["type": "tool_result", "tool_use_id": "toolu_1", "content": "18C"]]],
        ])
        #expect(body["tools"] == [["name": "get_weather", "input_schema": ["type": "object", "properties": ["city": ["type": "string"]]]]])
    }

    @Test func geminiSendsFunctionCallAndResponseByName() throws {
        let run = try PluginUnderTest(.gemini, handler: ProviderCase.gemini.fake(FakeAnswer(pieces: ["Mild."])))
        _ = run.execute(Self.followUp(id: "call_0"))
        let body = try #require(run.fake.requests.first?.json)
        #expect(body["contents"] == [
            ["role": "user", "parts": [["text": "Weather in Paris?"]]],
            ["role": "model", "parts": [["functionCall": ["name": "get_weather", "args": ["city": "Paris"]]]]],
            ["role": "user", "parts": [["functionResponse": ["name": "get_weather", "response": ["content": "18C"]]]]],
        ])
        #expect(body["tools"] == [["functionDeclarations": [["name": "get_weather", "parameters": ["type": "object", "properties": ["city": ["type": "string"]]]]]]])
    }

    @Test func ollamaSendsArgumentsAsAnObjectAndTheToolName() throws {
        let run = try PluginUnderTest(.ollama, handler: ProviderCase.ollama.fake(FakeAnswer(pieces: ["Mild."])))
        _ = run.execute(Self.followUp(id: "call_0"))
        let messages = try #require(run.fake.requests.first?.json?["messages"])
        #expect(messages == [
            ["role": "user", "content": "Weather in Paris?"],
            ["role": "assistant", "content": "", "tool_calls": [["function": ["name": "get_weather", "arguments": ["city": "Paris"]]]]],
            ["role": "tool", "content": "18C", "tool_name": "get_weather"],
        ])
    }

    @Test func eachProviderMapsToolChoiceAndRefusesWhatItCannotHonour() throws {
        let required = Tasks.task("chat", ["messages": [["role": "user", "content": "x"]], "tools": Self.tools, "tool_choice": "required", "seed": 7])
        let claude = try PluginUnderTest(.claude, handler: ProviderCase.claude.fake(FakeAnswer(pieces: ["x"])))
        #expect(claude.execute(required) == .fail(message: "claude: seed is not supported by this provider", details: nil))
        let gemini = try PluginUnderTest(.gemini, handler: ProviderCase.gemini.fake(FakeAnswer(pieces: ["x"])))
        _ = gemini.execute(required)
        let body = try #require(gemini.fake.requests.first?.json)
        #expect(body["toolConfig"] == ["functionCallingConfig": ["mode": "ANY"]])
        #expect(body["generationConfig"]?["seed"] == 7)
        let ollama = try PluginUnderTest(.ollama, handler: ProviderCase.ollama.fake(FakeAnswer(pieces: ["x"])))
        #expect(ollama.execute(required) == .fail(message: "ollama: tool_choice 'required' is not supported by this provider", details: nil))
    }
}
