import D8Core
import D8Harness
import D8Worker
import Testing

/// Every plugin, every built-in task type, through the real .so against a fake provider.
@Suite struct TaskTypeTests {
    @Test(arguments: ProviderCase.all, TaskCase.all)
    func succeedsWithTextUsageAndCost(provider: ProviderCase, taskCase: TaskCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success(taskCase.answer, 1200, 340))
        let outcome = run.execute(taskCase.task)

        let request = try #require(run.fake.requests.first)
        #expect(run.fake.requests.count == 1)
        #expect(request.method == "POST")
        #expect(request.path == provider.expectedPath(provider.defaultModel))
        if let auth = provider.auth { #expect(request.header(auth.name) == auth.value) }
        let sent = provider.read(request)
        #expect(sent.model == provider.defaultModel)
        #expect(sent.maxTokens == 1024)
        #expect(sent.system?.contains(taskCase.systemMentions) == true, "system: \(sent.system ?? "none")")
        #expect(sent.turns.last?.contains(taskCase.userMentions) == true, "turns: \(sent.turns)")

        guard case let .ok(result) = outcome else {
            Issue.record("expected ok, got \(outcome)")
            return
        }
        #expect(result["success"] == true)
        #expect(result["output"] == .string(taskCase.answer))
        #expect(result["model"] == .string(provider.defaultModel))
        #expect(result["usage"] == ["input_tokens": 1200, "output_tokens": 340])
        #expect(result["cost_usd"] == .number(1200.0 * provider.price.input / 1e6 + 340.0 * provider.price.output / 1e6))
        #expect(result["genome"] == taskCase.genome)
    }

    @Test(arguments: ProviderCase.all)
    func taskOverridesModelTemperatureAndMaxTokens(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success("ok", 1, 1))
        let task = Tasks.task("agent_action", ["messages": [["role": "user", "content": "hi"], ["role": "assistant", "content": "yo"], ["role": "user", "content": "bye"]],
                                               "model": "my-model", "temperature": 0.7, "max_tokens": 77])
        let outcome = run.execute(task)
        let sent = try #require(run.fake.requests.first.map(provider.read))
        #expect(sent.model == "my-model")
        #expect(sent.temperature == 0.7)
        #expect(sent.maxTokens == 77)
        #expect(sent.system == nil)
        let assistant = provider.plugin == "gemini" ? "model" : "assistant"
        #expect(sent.turns == ["user: hi", "\(assistant): yo", "user: bye"])
        guard case let .ok(result) = outcome else {
            Issue.record("expected ok, got \(outcome)")
            return
        }
        #expect(result["model"] == "my-model")
        // Local models are free; a hosted model without a known price is not.
        #expect(result["cost_usd"] == (provider.plugin == "ollama" ? 0 : .null))
    }

    @Test(arguments: ProviderCase.all)
    func unknownTaskTypeWithoutPromptFailsWithoutCallingTheProvider(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success("never", 1, 1))
        let outcome = run.execute(Tasks.task("summarize", ["text": "long"]))
        #expect(outcome == .fail(message: "\(provider.plugin): task type 'summarize' needs data.messages or data.prompt", details: nil))
        #expect(run.fake.requests.isEmpty)
    }
}
