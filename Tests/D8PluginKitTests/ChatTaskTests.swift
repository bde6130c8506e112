import D8JSON
import D8PluginKit
import Testing

@Suite struct ChatTaskTests {
    func chat(_ data: String) throws -> ChatRequest {
        try TaskPrompt.build(task: try JSONValue.parse(#"{"type":"chat:fast","data":"# + data + "}")).request(defaultModel: "m", defaultMaxTokens: 100)
    }

    @Test func readsEveryField() throws {
        let request = try chat("""
            {"messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},
             {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},
             {"role":"tool","tool_call_id":"c1","content":"42"}],
             "top_p":0.9,"max_completion_tokens":7,"stop":["X"],"seed":3,"response_format":{"type":"json_object"},
             "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}}}
            """)
        #expect(request.system == "s")
        #expect(request.messages == [
            ChatMessage(.user, "a\nb"), ChatMessage(.assistant, "", toolCalls: [ToolCall(id: "c1", name: "f", arguments: "{}")]),
            ChatMessage(.tool, "42", toolCallID: "c1"),
        ])
        #expect(request.topP == 0.9 && request.maxTokens == 7 && request.stop == ["X"] && request.seed == 3 && request.jsonObject)
        #expect(request.tools == [ToolDefinition(name: "f", description: nil, parameters: ["type": "object"])])
        #expect(request.toolChoice == .function("f"))
    }

    static let refusals: [(String, String)] = [
        (#"{"messages":[{"role":"user","content":"x"},{"role":"user","content":[{"type":"image_url","image_url":{}}]}]}"#,
         "data.messages[1].content[0].type 'image_url' is not supported"),
        (#"{"messages":[{"role":"user","content":"x"}],"presence_penalty":1}"#, "data.presence_penalty is not supported"),
        (#"{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema"}}"#, "data.response_format.type 'json_schema' is not supported"),
        (#"{"messages":[{"role":"tool","content":"x"}]}"#, "data.messages[0].tool_call_id must be a string"),
        (#"{"messages":[{"role":"user","content":"x"}],"n":2}"#, "data.n other than 1 is not supported"),
    ]

    @Test(arguments: refusals)
    func whatCannotBeHonouredIsNamed(data: String, message: String) {
        #expect(throws: TaskPrompt.Problem(message)) { try chat(data) }
    }
}
