import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 chat` against a real orchestrator's front door, with the test as the worker.
@Suite("d8 chat")
struct CLIChatTests {
    @Test func theAnswerStreamsToStdout() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        async let run = d8(["chat", "--model", "echo", "write a haiku", "--orchestrator", orchestrator.url])
        let task = try await worker.lease()
        #expect(task.type == "chat:echo")
        #expect(task.json["stream"] == true)
        #expect(task.data["messages"] == [["role": "user", "content": "write a haiku"]])
        for piece in ["old pond", " / a frog"] {
            let api = worker.api
            _ = try await blocking { api.relay([["content": .string(piece)]], of: task) }.get()
        }
        try await worker.complete(task, with: ["output": "old pond / a frog", "usage": ["input_tokens": 3, "output_tokens": 4]])
        let result = try await run
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "old pond / a frog\n")
    }

    @Test func jsonPrintsTheWholeCompletion() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        async let run = d8(["chat", "--model", "echo", "--json", "--max-tokens", "20", "--system", "be brief", "hi", "--orchestrator", orchestrator.url])
        let task = try await worker.lease()
        #expect(task.data["max_tokens"] == 20)
        #expect(task.data["messages"]?.arrayValue?.first?["role"] == "system")
        try await worker.complete(task, with: ["output": "hello"])
        let result = try await run
        let completion = try JSONValue.parse(result.stdout)
        #expect(completion["object"] == "chat.completion")
        #expect(completion["choices"]?.arrayValue?.first?["message"]?["content"] == "hello")
    }

    @Test func anUnknownModelIsARefusalInWords() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let result = try await d8(["chat", "--model", "gpt-9", "hi", "--orchestrator", orchestrator.url])
        #expect(result.status == 2)
        #expect(result.stderr.contains("404") && result.stderr.contains("gpt-9"), "\(result.stderr)")
    }
}
