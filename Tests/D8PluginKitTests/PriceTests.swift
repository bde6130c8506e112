import D8PluginKit
import Testing

@Suite struct PriceTests {
    @Test func costIsPerMillionTokens() {
        let price = ModelPrice(input: 0.59, output: 0.79)
        #expect(abs(price.cost(inputTokens: 1000, outputTokens: 500) - (1000 * 0.59 + 500 * 0.79) / 1e6) < 1e-15)
        #expect(price.cost(inputTokens: 0, outputTokens: 0) == 0)
        #expect(ModelPrice(input: 3, output: 15).cost(inputTokens: 1_000_000, outputTokens: 1_000_000) == 18)
    }

    @Test func overridesReplaceBuiltInPrices() {
        let table = PriceTable(builtIn: ["a": ModelPrice(input: 1, output: 2)], overrides: ["a": ModelPrice(input: 5, output: 6), "b": .free])
        #expect(table.price(for: "a") == ModelPrice(input: 5, output: 6))
        #expect(table.price(for: "b") == .free)
    }

    @Test func unknownModelHasNoPriceUnlessTheTableSaysSo() {
        #expect(PriceTable(builtIn: ["a": .free]).price(for: "z") == nil)
        #expect(PriceTable(builtIn: [:], unlisted: .free).price(for: "z") == .free)
    }

    @Test func datedSnapshotsTakeTheirAliasPrice() {
        let table = PriceTable(builtIn: ["claude-sonnet-4-5": ModelPrice(input: 3, output: 15), "gemini-2.5-flash": ModelPrice(input: 0.3, output: 2.5)])
        #expect(table.price(for: "claude-sonnet-4-5-20250929") == ModelPrice(input: 3, output: 15))
        #expect(table.price(for: "gemini-2.5-flash-lite") == nil) // a different model, not a snapshot
    }
}

@Suite struct CachedCostTests {
    @Test func cachedAndWrittenInputHaveTheirOwnRates() {
        let claude = ModelPrice.anthropic(input: 3, output: 15)
        // 1000 input of which 600 read from the cache and 100 written to it, 50 output.
        let usage = TokenUsage(input: 1000, output: 50, cachedInput: 600, cacheWrite: 100)
        #expect(abs(claude.cost(usage) - (300 * 3 + 600 * 0.3 + 100 * 3.75 + 50 * 15) / 1e6) < 1e-15)
        // Without a cached rate, cached input is plain input.
        #expect(ModelPrice(input: 1, output: 2).cost(usage) == ModelPrice(input: 1, output: 2).cost(inputTokens: 1000, outputTokens: 50))
    }

    @Test func reasoningIsBilledAsOutput() {
        let flash = ModelPrice(input: 0.30, output: 2.50, cachedInput: 0.03)
        let usage = TokenUsage(input: 100, output: 900, cachedInput: 40, reasoning: 800)
        #expect(abs(flash.cost(usage) - (60 * 0.30 + 40 * 0.03 + 900 * 2.50) / 1e6) < 1e-15)
        #expect(usage.json == ["input_tokens": 100, "output_tokens": 900, "cached_input_tokens": 40, "reasoning_tokens": 800])
    }
}
