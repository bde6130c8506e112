import D8Core
import D8Harness
import D8Worker
import Testing

/// Every plugin through the real .so and the real host transport against fakes that stream in
/// the provider's format, chunked and gzipped as hosted providers do.
@Suite struct StreamingTests {
    static let answer = FakeAnswer(pieces: ["Hel", "lo ", "wörld"], inputTokens: 1200, outputTokens: 340, cachedTokens: 200)
    static let chat = Tasks.task("chat", ["messages": [["role": "user", "content": "Say hello"]]])

    @Test(arguments: ProviderCase.all)
    func streamedAnswerArrivesInPiecesAndEqualsThePlainOne(provider: ProviderCase) throws {
        let streamed = try PluginUnderTest(provider, handler: provider.fake(Self.answer)).stream(Self.chat)
        let plain = try PluginUnderTest(provider, handler: provider.fake(Self.answer)).execute(Self.chat)
        #expect(streamed.deltas.map { $0["content"] } == ["Hel", "lo ", "wörld"])
        guard case let .ok(result) = streamed.outcome else {
            Issue.record("expected ok, got \(streamed.outcome)")
            return
        }
        #expect(streamed.outcome == plain)
        #expect(result["output"] == "Hello wörld")
        #expect(result["finish_reason"] == "stop")
        #expect(result["usage"]?["input_tokens"] == 1200)
        #expect(result["usage"]?["output_tokens"] == 340)
    }

    @Test func theFakeGzipsForClientsThatAcceptIt() throws {
        let run = try PluginUnderTest(.claude, handler: ProviderCase.claude.fake(Self.answer))
        _ = run.stream(Self.chat)
        #expect(run.fake.requests.first?.header("accept-encoding")?.contains("gzip") == true)
    }

    @Test func cachedInputIsPricedAtEachProvidersRate() throws {
        let cases: [(ProviderCase, Double)] = [
            (.claude, (1000 * 3 + 200 * 0.3 + 340 * 15) / 1e6),
            (.gemini, (1000 * 0.30 + 200 * 0.03 + 340 * 2.50) / 1e6),
            (.groq, (1200 * 0.59 + 340 * 0.79) / 1e6), // no cached rate: plain input
        ]
        for (provider, cost) in cases {
            guard case let .ok(result) = try PluginUnderTest(provider, handler: provider.fake(Self.answer)).stream(Self.chat).outcome else {
                Issue.record("\(provider): expected ok")
                continue
            }
            #expect(result["usage"]?["cached_input_tokens"] == 200, "\(provider)")
            #expect(abs((result["cost_usd"]?.doubleValue ?? 0) - cost) < 1e-12, "\(provider)")
        }
    }

    @Test(arguments: ProviderCase.all)
    func aStreamCutInTheMiddleIsARetryThatKeepsTheSpend(provider: ProviderCase) throws {
        var cut = Self.answer
        cut.ending = .cut
        let (deltas, outcome) = try PluginUnderTest(provider, handler: provider.fake(cut)).stream(Self.chat)
        #expect(deltas.text == "Hello wörld")
        guard case let .retry(message, details) = outcome else {
            Issue.record("expected a retry, got \(outcome)")
            return
        }
        #expect(message.hasPrefix("\(provider.plugin): stream cut"), "\(message)")
        #expect(details?["success"] == false)
        #expect(details?["output"] == "Hello wörld")
        #expect((details?["usage"]?["output_tokens"]?.intValue ?? 0) > 0)
    }

    @Test(arguments: ProviderCase.all)
    func anErrorEventIsMappedLikeTheHTTPError(provider: ProviderCase) throws {
        var failing = Self.answer
        failing.ending = .error("Overloaded")
        let (_, outcome) = try PluginUnderTest(provider, handler: provider.fake(failing)).stream(Self.chat)
        #expect(outcome == .retry(message: "\(provider.plugin): stream error: Overloaded", details: details(of: outcome)), "\(outcome)")
    }

    @Test(arguments: ProviderCase.all)
    func aClientThatGoesAwayCancelsAndTheSpendIsCounted(provider: ProviderCase) throws {
        let (deltas, outcome) = try PluginUnderTest(provider, handler: provider.fake(Self.answer)).stream(Self.chat) { $0 < 1 }
        #expect(deltas.count == 1)
        guard case let .fail(message, details) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(message == "\(provider.plugin): cancelled by the client")
        #expect(details?["success"] == false)
        #expect(details?["usage"]?["usage_estimated"] == true)
        #expect(details?["cost_usd"] != nil)
    }

    @Test func geminiThinkingThatUsesTheWholeBudgetFailsAndKeepsTheCost() throws {
        let thinking = FakeAnswer(pieces: [], inputTokens: 100, outputTokens: 0, thoughtsTokens: 1024, finishReason: "MAX_TOKENS")
        let cost = (100 * 0.30 + 1024 * 2.50) / 1e6
        for streamed in [false, true] {
            let run = try PluginUnderTest(.gemini, handler: ProviderCase.gemini.fake(thinking))
            let outcome = streamed ? run.stream(Self.chat).outcome : run.execute(Self.chat)
            guard case let .fail(message, details) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                continue
            }
            #expect(message == "gemini: no text: thinking used 1024 of the 1024 max_tokens before any text was written; raise max_tokens")
            #expect(details?["usage"] == ["input_tokens": 100, "output_tokens": 1024, "reasoning_tokens": 1024])
            #expect(abs((details?["cost_usd"]?.doubleValue ?? 0) - cost) < 1e-12)
        }
    }

    private func details(of outcome: PluginOutcome) -> JSONValue? {
        if case let .retry(_, details) = outcome { return details }
        return nil
    }
}
