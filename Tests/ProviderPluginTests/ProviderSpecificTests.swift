import D8Core
import D8Harness
import D8Worker
import Testing

/// What only one provider does: exact request bodies, and each one's own ways to fail.
@Suite struct ProviderSpecificTests {
    @Test func groqSendsTheOpenAIBody() throws {
        let run = try PluginUnderTest(.groq, handler: FakeProvider.openAIChat(text: "hi"))
        _ = run.execute(Tasks.agentAction)
        let request = try #require(run.fake.requests.first)
        #expect(request.header("content-type") == "application/json")
        #expect(request.json == [
            "model": "llama-3.3-70b-versatile", "max_tokens": 1024, "temperature": 0.3,
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hello there"]],
        ])
    }

    @Test func claudeSendsVersionHeaderAndTopLevelSystem() throws {
        let run = try PluginUnderTest(.claude, handler: FakeProvider.claude(text: "hi"))
        _ = run.execute(Tasks.agentAction)
        let request = try #require(run.fake.requests.first)
        #expect(request.header("anthropic-version") == "2023-06-01")
        #expect(request.header("content-type") == "application/json")
        #expect(request.json == [
            "model": "claude-sonnet-4-5", "max_tokens": 1024, "temperature": 0.3, "system": "Be brief.",
            "messages": [["role": "user", "content": "Hello there"]],
        ])
    }

    @Test func claudeOverloadedIsARetry() throws {
        let run = try PluginUnderTest(.claude, handler: FakeProvider.claudeError(status: 529, type: "overloaded_error", message: "Overloaded"))
        #expect(run.execute(Tasks.agentAction) == .retry(message: "claude: HTTP 529: Overloaded", details: ["http_status": 529]))
    }

    @Test func claudeJoinsTextBlocksAndPricesDatedSnapshots() throws {
        let run = try PluginUnderTest(.claude) { _ in
            .json(["model": "claude-haiku-4-5-20251001", "content": [["type": "text", "text": "a"], ["type": "tool_use", "id": "x", "name": "f", "input": ["a": 1]], ["type": "text", "text": "b"]],
                   "stop_reason": "end_turn", "usage": ["input_tokens": 1000, "output_tokens": 100]])
        }
        guard case let .ok(result) = run.execute(Tasks.agentAction) else {
            Issue.record("expected ok")
            return
        }
        #expect(result["output"] == "ab")
        #expect(result["tool_calls"] == [["id": "x", "type": "function", "function": ["name": "f", "arguments": #"{"a":1}"#]]])
        #expect(result["model"] == "claude-haiku-4-5-20251001")
        #expect(result["cost_usd"] == .number(1000.0 * 1 / 1e6 + 100.0 * 5 / 1e6))
    }

    @Test func geminiSendsContentsSystemInstructionAndConfig() throws {
        let run = try PluginUnderTest(.gemini, handler: FakeProvider.gemini(text: "hi"))
        _ = run.execute(Tasks.agentAction)
        let request = try #require(run.fake.requests.first)
        #expect(request.json == [
            "contents": [["role": "user", "parts": [["text": "Hello there"]]]],
            "systemInstruction": ["parts": [["text": "Be brief."]]],
            "generationConfig": ["maxOutputTokens": 1024, "temperature": 0.3],
        ])
    }

    @Test func geminiRetryDelayInTheBodyBecomesRetryAfter() throws {
        let run = try PluginUnderTest(.gemini, handler: FakeProvider.geminiError(status: 429, message: "Quota exceeded", retryDelay: "13s"))
        #expect(run.execute(Tasks.agentAction) == .retry(message: "gemini: HTTP 429: Quota exceeded", details: ["retry_after_s": 13, "http_status": 429]))
    }

    @Test func geminiAnswerWithoutTextFailsWithTheReason() throws {
        let run = try PluginUnderTest(.gemini) { _ in
            .json(["candidates": [["finishReason": "SAFETY", "index": 0]], "usageMetadata": ["promptTokenCount": 5]])
        }
        #expect(run.execute(Tasks.agentAction) == .fail(message: "gemini: the answer has no text (finishReason SAFETY)", details: nil))
    }

    @Test func geminiBlockedPromptFails() throws {
        let run = try PluginUnderTest(.gemini) { _ in .json(["promptFeedback": ["blockReason": "SAFETY"]]) }
        #expect(run.execute(Tasks.agentAction) == .fail(message: "gemini: the prompt was blocked (blockReason SAFETY)", details: nil))
    }

    @Test func ollamaNativeSendsStreamFalseAndOptions() throws {
        let run = try PluginUnderTest(.ollama, settings: ["default_model": "deepseek-coder:6.7b"], handler: FakeProvider.ollama(text: "hi"))
        _ = run.execute(Tasks.agentAction)
        let request = try #require(run.fake.requests.first)
        #expect(request.header("authorization") == nil)
        #expect(request.json == [
            "model": "deepseek-coder:6.7b", "stream": false, "options": ["num_predict": 1024, "temperature": 0.3],
            "messages": [["role": "system", "content": "Be brief."], ["role": "user", "content": "Hello there"]],
        ])
    }

    @Test func ollamaWithoutTokenCountsCountsZero() throws {
        // Ollama leaves prompt_eval_count out when the prompt came from its cache.
        let run = try PluginUnderTest(.ollama) { _ in .json(["model": "llama3.2", "message": ["role": "assistant", "content": "hi"], "done": true]) }
        guard case let .ok(result) = run.execute(Tasks.agentAction) else {
            Issue.record("expected ok")
            return
        }
        #expect(result["usage"] == ["input_tokens": 0, "output_tokens": 0])
        #expect(result["cost_usd"] == 0)
    }

    @Test func ollamaModelNotFoundFailsWithItsMessage() throws {
        let run = try PluginUnderTest(.ollama, handler: FakeProvider.ollamaError(status: 404, message: "model \"nope\" not found, try pulling it first"))
        #expect(run.execute(Tasks.agentAction) == .fail(message: "ollama: HTTP 404: model \"nope\" not found, try pulling it first", details: ["http_status": 404]))
    }

    @Test func ollamaOpenAIModeWithoutKeySendsNoAuthorization() throws {
        let run = try PluginUnderTest(.ollamaOpenAI, settings: ["api_key": nil], handler: FakeProvider.openAIChat(text: "hi"))
        _ = run.execute(Tasks.agentAction)
        let request = try #require(run.fake.requests.first)
        #expect(request.path == "/v1/chat/completions")
        #expect(request.header("authorization") == nil)
    }

    @Test func providerThatIsDownIsARetry() throws {
        let fake = try FakeProvider { _ in .text("unused") }
        let baseURL = fake.baseURL
        fake.stop() // nothing listens on the port any more
        let instance = try StagedPlugins.instance("groq", config: ["api_key": "k", "base_url": .string(baseURL)])
        guard case let .retry(message, _) = instance.execute(task: Tasks.agentAction) else {
            Issue.record("expected a retry")
            return
        }
        #expect(message.hasPrefix("groq: request failed: "), "\(message)")
    }
}
