import D8Core
import D8Harness
import D8Worker
import Testing

/// How each plugin maps what went wrong onto RETRY and FAIL.
@Suite struct FailureTests {
    @Test(arguments: ProviderCase.all)
    func rateLimitIsARetryWithRetryAfter(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.error(429, "Rate limit reached for model", [("retry-after", "7")]))
        #expect(run.execute(Tasks.agentAction) == .retry(
            message: "\(provider.plugin): HTTP 429: Rate limit reached for model", details: ["retry_after_s": 7, "http_status": 429]))
    }

    @Test(arguments: ProviderCase.all)
    func serverErrorIsARetry(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.error(500, "Internal error", []))
        #expect(run.execute(Tasks.agentAction) == .retry(message: "\(provider.plugin): HTTP 500: Internal error", details: ["http_status": 500]))
    }

    @Test(arguments: ProviderCase.all)
    func authErrorFailsWithTheProvidersMessage(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.error(401, "Invalid API Key", []))
        #expect(run.execute(Tasks.agentAction) == .fail(message: "\(provider.plugin): HTTP 401: Invalid API Key", details: ["http_status": 401]))
    }

    @Test(arguments: ProviderCase.all)
    func malformedSuccessBodyIsARetry(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider) { _ in .json(["unexpected": true]) }
        guard case let .retry(message, _) = run.execute(Tasks.agentAction) else {
            Issue.record("expected a retry")
            return
        }
        #expect(message.hasPrefix("\(provider.plugin): malformed response: no "), "\(message)")
    }

    @Test(arguments: ProviderCase.all)
    func successBodyThatIsNotJSONIsARetry(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider) { _ in .text("<html>gateway</html>") }
        #expect(run.execute(Tasks.agentAction) == .retry(message: "\(provider.plugin): malformed response: the body is not JSON", details: nil))
    }

    @Test(arguments: ProviderCase.all)
    func answerSlowerThanTimeoutIsARetry(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, settings: ["timeout_s": 1], handler: FakeProvider.slow(.seconds(3), provider.success("late", 1, 1)))
        guard case let .retry(message, details) = run.execute(Tasks.agentAction) else {
            Issue.record("expected a retry")
            return
        }
        #expect(message.hasPrefix("\(provider.plugin): request failed: "), "\(message)")
        #expect(message.contains("timed out"), "\(message)")
        #expect(details == nil)
    }

    @Test(arguments: ProviderCase.all)
    func invalidChildGenomeIsARetryNamingTheProblem(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success(#"Sure! {"lr": 0.5, "layers": "four", "activation": "relu"}"#, 5, 5))
        #expect(run.execute(Tasks.mutation) == .retry(
            message: "\(provider.plugin): evolution_mutation: child genome key 'layers' should be a number, got a string", details: nil))
    }

    @Test(arguments: ProviderCase.all)
    func answerWithoutAnyGenomeIsARetry(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success("I would rather not.", 5, 5))
        #expect(run.execute(Tasks.crossover) == .retry(message: "\(provider.plugin): evolution_crossover: no JSON object in the answer", details: nil))
    }

    @Test(arguments: ProviderCase.all)
    func badTaskDataFailsNamingTheField(provider: ProviderCase) throws {
        let run = try PluginUnderTest(provider, handler: provider.success("never", 1, 1))
        #expect(run.execute(Tasks.task("code_generation", ["language": "C"])) == .fail(message: "\(provider.plugin): data.prompt is missing", details: nil))
        #expect(run.fake.requests.isEmpty)
    }
}
