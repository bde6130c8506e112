import D8Core
import D8Harness
import Foundation
import Testing

/// `/v1/chat/completions` against a live orchestrator, with the test as the worker: what an
/// OpenAI SDK sends becomes a task, and the worker's deltas and result become OpenAI's shapes.
@Suite("Front door: OpenAI chat completions")
struct FrontDoorTests {
    static func configure(_ config: inout D8Config) {
        var alias = ModelAlias(name: "both", route: ["groq", "echo"])
        alias.strategy = .ordered
        config.frontDoor.aliases = [alias]
        config.frontDoor.keepalive = .milliseconds(300)
    }

    static let hello: JSONValue = ["model": "echo", "messages": [["role": "user", "content": "hello"]]]

    @Test func aWholeAnswerIsAChatCompletionOfItsTask() async throws {
        try await withLiveServer(Self.configure) { server in
            let client = server.client
            try await client.register("w")
            async let reply = client.post("/v1/chat/completions", Self.hello)
            let task = try #require(try await client.poll("w", wait: 5)["task"])
            #expect(task["type"] == "chat:echo")
            #expect(task["data"]?["messages"]?[0]?["content"] == "hello")
            #expect(try await client.report(task, worker: "w", output: "hi!", extra: [
                "usage": ["input_tokens": 7, "output_tokens": 2, "cached_input_tokens": 3], "cost_usd": 0.25, "finish_reason": "stop",
            ]).status == 200)
            let answer = try await reply
            #expect(answer.status == 200)
            #expect(answer["object"] == "chat.completion")
            #expect(answer["model"] == "echo")
            #expect(answer["choices"]?[0]?["message"]?["content"] == "hi!")
            #expect(answer["choices"]?[0]?["finish_reason"] == "stop")
            #expect(answer["usage"]?["total_tokens"] == 9)
            #expect(answer["usage"]?["prompt_tokens_details"]?["cached_tokens"] == 3)
            #expect(answer.headers["x-d8-task-id"] == task["task_id"]?.stringValue)
            #expect(answer.headers["x-d8-worker-type"] == "echo")
            #expect(answer.headers["x-d8-cost-usd"] == "0.25")
            #expect(answer["id"]?.stringValue == answer.headers["x-request-id"])
        }
    }

    @Test func aStreamRelaysTheWorkersDeltasThenEndsWithDone() async throws {
        try await withLiveServer(Self.configure) { server in
            let client = server.client
            try await client.register("w")
            var request = Self.hello.objectValue!
            request["stream"] = true
            request["stream_options"] = ["include_usage": true]
            async let reply = client.post("/v1/chat/completions", .object(request))
            let task = try #require(try await client.poll("w", wait: 5)["task"])
            #expect(task["stream"] == true)
            let id = try #require(task["task_id"]?.stringValue)
            for piece in ["Hel", "lo"] {
                let relayed = try await client.post("/api/tasks/\(id)/deltas", ["worker_id": "w", "lease": task["lease"]!, "deltas": [["content": .string(piece)]]])
                #expect(relayed.status == 200)
            }
            #expect(try await client.report(task, worker: "w", output: "Hello", extra: ["usage": ["input_tokens": 1, "output_tokens": 2], "cost_usd": 0.5]).status == 200)
            let answer = try await reply
            #expect(answer.status == 200)
            #expect(answer.headers["content-type"] == "text/event-stream")
            let events = SSE.events(answer.body.stringValue ?? "")
            #expect(events.last == "[DONE]")
            let chunks = events.dropLast().compactMap { try? JSONValue.parse(Array($0.utf8)) }
            #expect(chunks.first?["choices"]?[0]?["delta"]?["role"] == "assistant")
            #expect(chunks.compactMap { $0["choices"]?[0]?["delta"]?["content"]?.stringValue }.joined() == "Hello")
            #expect(chunks.dropLast().last?["choices"]?[0]?["finish_reason"] == "stop")
            #expect(chunks.last?["choices"]?.arrayValue?.isEmpty == true)
            #expect(chunks.last?["usage"]?["completion_tokens"] == 2)
            #expect(chunks.last?["usage"]?["cost_usd"] == 0.5)
            #expect(Set(chunks.compactMap { $0["id"]?.stringValue }).count == 1)
        }
    }

    @Test func aFailedWorkerTypeFallsBackToTheNextAtOnce() async throws {
        // No keep-alive 200 before the first token here: the header names the type that answered.
        try await withLiveServer { Self.configure(&$0); $0.queue.retryBackoff = .seconds(30); $0.frontDoor.keepalive = .seconds(30) } run: { server in
            let client = server.client
            try await client.register("g", type: "groq")
            try await client.register("e", type: "echo")
            var request = Self.hello.objectValue!
            request["model"] = "both"
            request["stream"] = true
            async let reply = client.post("/v1/chat/completions", .object(request))
            let first = try #require(try await client.poll("g", wait: 5)["task"])
            #expect(try await client.report(first, worker: "g", success: false, extra: ["error": "groq: HTTP 503", "retryable": true]).status == 200)
            // Not after the 30 s backoff: the other worker type of the route takes it now.
            let second = try #require(try await client.poll("e", wait: 5)["task"])
            #expect(second["attempt"] == 2)
            #expect(try await client.report(second, worker: "e", output: "from echo").status == 200)
            let answer = try await reply
            #expect(answer.status == 200)
            #expect(answer.headers["x-d8-worker-type"] == "echo")
            #expect(SSE.events(answer.body.stringValue ?? "").contains { $0.contains("from echo") })
        }
    }

    @Test func aWaitThatRunsOutIsA504NamingTheTask() async throws {
        try await withLiveServer(Self.configure) { server in
            let answer = try await server.client.send("POST", "/v1/chat/completions", body: Self.hello.jsonData, contentType: "application/json", headers: ["x-d8-timeout": "0.5"])
            #expect(answer.status == 504)
            #expect(answer["error"]?["code"] == "timeout")
            let id = try #require(answer["error"]?["message"]?.stringValue?.split(separator: " ").first { $0.count == 36 }.map(String.init))
            #expect(await eventually { try await server.client.status(id)["d8_status"] == "expired" })
        }
    }

    @Test func aRelayForACancelledTaskIsRefusedSoTheWorkerStops() async throws {
        try await withLiveServer(Self.configure) { server in
            let client = server.client
            try await client.register("w")
            var request = Self.hello.objectValue!
            request["stream"] = true
            async let reply = client.post("/v1/chat/completions", .object(request))
            let task = try #require(try await client.poll("w", wait: 5)["task"])
            let id = try #require(task["task_id"]?.stringValue)
            #expect(try await client.post("/api/tasks/\(id)/cancel").status == 200)
            let relayed = try await client.post("/api/tasks/\(id)/deltas", ["worker_id": "w", "lease": task["lease"]!, "deltas": [["content": "x"]]])
            #expect(relayed.status == 409)
            #expect(try await reply.status == 409)
        }
    }
}

/// The `data:` payloads of an SSE body, in order (comments and blank lines left out).
enum SSE {
    static func events(_ text: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix("data: ") }.map { String($0.dropFirst(6)) }
    }
}

extension JSONValue {
    /// An element of an array, for reading OpenAI's `choices[0]`.
    subscript(_ index: Int) -> JSONValue? {
        guard let list = arrayValue, list.indices.contains(index) else { return nil }
        return list[index]
    }
}
