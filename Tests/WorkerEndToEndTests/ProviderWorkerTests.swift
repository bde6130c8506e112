import D8Core
import D8Harness
import Foundation
import Testing

/// Orchestrator + `d8 worker` + each provider plugin's real `.so`, with the provider faked by a
/// loopback server that speaks its wire format: the task completes with the provider's text,
/// its usage, and the cost at the configured prices.
@Suite("Workers with each provider plugin", .serialized)
struct ProviderWorkerTests {
    struct Provider: Sendable, CustomTestStringConvertible {
        let plugin: String
        let settings: String
        let answer: FakeProvider.Handler
        let path: String
        var testDescription: String { plugin + (settings.contains("api: openai") ? " (openai)" : "") }
    }

    /// 1000 input and 500 output tokens at $2 and $10 per million: $0.007.
    static let prices = """
        default_model: m
        prices:
          m: { input_usd_per_mtok: 2, output_usd_per_mtok: 10 }
        """

    static let providers: [Provider] = [
        Provider(plugin: "groq", settings: "api_key: test-key\n" + prices,
                 answer: FakeProvider.openAIChat(text: "hello from groq", promptTokens: 1000, completionTokens: 500), path: "/chat/completions"),
        Provider(plugin: "gemini", settings: "api_key: test-key\n" + prices,
                 answer: FakeProvider.gemini(text: "hello from gemini", promptTokens: 1000, candidatesTokens: 500), path: "/models/m:generateContent"),
        Provider(plugin: "claude", settings: "api_key: test-key\n" + prices,
                 answer: FakeProvider.claude(text: "hello from claude", inputTokens: 1000, outputTokens: 500), path: "/v1/messages"),
        Provider(plugin: "ollama", settings: prices,
                 answer: FakeProvider.ollama(text: "hello from ollama", promptEvalCount: 1000, evalCount: 500), path: "/api/chat"),
        Provider(plugin: "ollama", settings: "api: openai\n" + prices,
                 answer: FakeProvider.openAIChat(text: "hello from ollama", promptTokens: 1000, completionTokens: 500), path: "/v1/chat/completions"),
    ]

    private func cluster(for provider: Provider, fake: FakeProvider) throws -> Cluster {
        try Cluster(workerTypes: """
            llm:
              plugin: \(provider.plugin)
              base_url: \(fake.baseURL)
              slots: 2
            \(provider.settings.indented(2))
            """)
    }

    @Test(arguments: providers)
    func anAgentActionCompletesWithTextUsageAndCost(_ provider: Provider) async throws {
        let fake = try FakeProvider(handler: provider.answer)
        defer { fake.stop() }
        let cluster = try cluster(for: provider, fake: fake)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "llm", id: "llm-1")

        let id = try cluster.submit("agent_action", data: ["messages": [["role": "user", "content": "say hello"]], "temperature": 0.2])
        let status = try await cluster.waitFinished(id)
        let result = try #require(status["result"])
        let word = provider.plugin
        #expect(status["status"] == "completed", "\(status.jsonString)")
        #expect(result["output"] == .string("hello from \(word)"))
        #expect(result["result"] == .string("hello from \(word)"), "old D8 clients read result.result")
        #expect(result["model"] == "m")
        #expect(result["usage"]?["input_tokens"] == 1000)
        #expect(result["usage"]?["output_tokens"] == 500)
        #expect(abs((result["cost_usd"]?.doubleValue ?? -1) - 0.007) < 1e-12)
        #expect(result["worker_type"] == "llm")

        let request = try #require(fake.requests.first)
        #expect(request.path.hasSuffix(provider.path), "\(request.path)")
        #expect(String(decoding: request.body, as: UTF8.self).contains("say hello"))
    }

    @Test func anEvolutionMutationReturnsTheChildGenome() async throws {
        let answer = "Here is the mutated genome:\n```json\n{\"lr\": 0.02, \"layers\": 4, \"act\": \"gelu\"}\n```\nIt should train faster."
        let fake = try FakeProvider(handler: FakeProvider.openAIChat(text: answer))
        defer { fake.stop() }
        let cluster = try cluster(for: Self.providers[0], fake: fake)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "llm")

        let id = try cluster.submit("evolution_mutation", data: ["genome": ["lr": 0.01, "layers": 3, "act": "relu"], "mutation_rate": 0.3])
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed", "\(status.jsonString)")
        #expect(status["result"]?["genome"] == ["lr": 0.02, "layers": 4, "act": "gelu"])
    }

    @Test func aRateLimitedProviderIsRetriedAfterItsRetryAfter() async throws {
        let fake = try FakeProvider(handler: FakeProvider.sequence([
            FakeProvider.openAIError(status: 429, message: "Rate limit reached", headers: [("retry-after", "1")]),
            FakeProvider.openAIChat(text: "second time lucky"),
        ]))
        defer { fake.stop() }
        let cluster = try cluster(for: Self.providers[0], fake: fake)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "llm")

        let submitted = ContinuousClock.now
        let id = try cluster.submit("agent_action", data: ["messages": [["role": "user", "content": "hi"]]])
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "completed", "\(status.jsonString)")
        #expect(status["attempt"] == 2)
        #expect(status["result"]?["output"] == "second time lucky")
        #expect(status["errors"]?.arrayValue?.first?["error"]?.stringValue?.contains("Rate limit reached") == true, "\(status.jsonString)")
        #expect(ContinuousClock.now - submitted >= .seconds(1), "the retry waited for retry-after")
    }

    @Test func aBadKeyFailsTheTaskWithTheProvidersMessage() async throws {
        let fake = try FakeProvider(handler: FakeProvider.openAIError(status: 401, message: "Invalid API Key"))
        defer { fake.stop() }
        let cluster = try cluster(for: Self.providers[0], fake: fake)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "llm")

        let id = try cluster.submit("agent_action", data: ["messages": [["role": "user", "content": "hi"]]])
        let status = try await cluster.waitFinished(id)
        #expect(status["status"] == "failed")
        #expect(status["attempt"] == 1, "not retried")
        #expect(status["result"]?["error"]?.stringValue?.contains("Invalid API Key") == true, "\(status.jsonString)")
    }
}
