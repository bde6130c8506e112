import D8JSON
import D8PluginKit
import Testing

@Suite struct OpenAIChatCodecTests {
    let chat = ChatRequest(model: "m", system: "sys", messages: [ChatMessage(.user, "hi")], temperature: 0.5, maxTokens: 10)

    @Test func requestPutsSystemFirstAndSendsTheKey() throws {
        let request = OpenAIChatCodec(baseURL: "http://h/v1", apiKey: "k", usageRequired: true).httpRequest(for: chat, stream: false)
        #expect(request.url == "http://h/v1/chat/completions")
        #expect(request.headers.contains(HTTPHeader("Authorization", "Bearer k")))
        #expect(try JSONValue.parse(request.body) == [
            "model": "m", "max_tokens": 10, "temperature": 0.5,
            "messages": [["role": "system", "content": "sys"], ["role": "user", "content": "hi"]],
        ])
    }

    @Test func noKeyNoAuthorization() {
        let request = OpenAIChatCodec(baseURL: "http://h", path: "/v1/chat/completions", apiKey: nil, usageRequired: false).httpRequest(for: chat, stream: false)
        #expect(request.url == "http://h/v1/chat/completions")
        #expect(!request.headers.contains { $0.name == "Authorization" })
    }

    @Test func completionReadsTextUsageAndModel() throws {
        let body: JSONValue = ["model": "m-1", "choices": [["message": ["content": "yo"]]], "usage": ["prompt_tokens": 3, "completion_tokens": 4]]
        let completion = try OpenAIChatCodec(baseURL: "http://h", apiKey: nil, usageRequired: true).completion(from: body)
        #expect(completion == Completion(text: "yo", inputTokens: 3, outputTokens: 4, model: "m-1"))
    }

    @Test func missingPartsAreNamed() throws {
        let codec = OpenAIChatCodec(baseURL: "http://h", apiKey: nil, usageRequired: true)
        #expect(throws: CompletionProblem.malformed("no choices[0].message.content in the answer")) { try codec.completion(from: ["choices": []]) }
        #expect(throws: CompletionProblem.malformed("no usage.prompt_tokens in the answer")) {
            try codec.completion(from: ["choices": [["message": ["content": "yo"]]]])
        }
        let lenient = OpenAIChatCodec(baseURL: "http://h", apiKey: nil, usageRequired: false)
        #expect(try lenient.completion(from: ["choices": [["message": ["content": "yo"]]]]).inputTokens == 0)
    }
}
