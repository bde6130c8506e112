/// USD per million input and output tokens, and the prompt cache's rates where the provider has
/// them (nil: billed as plain input).
public struct ModelPrice: Sendable, Equatable {
    public let input: Double
    public let output: Double
    /// Input read from the cache.
    public let cachedInput: Double?
    /// Input written to the cache (Anthropic's 5-minute cache: 1.25 × input).
    public let cacheWrite: Double?

    public init(input: Double, output: Double, cachedInput: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
    }

    /// Anthropic's rule: cache reads 0.1 × input, 5-minute cache writes 1.25 × input.
    public static func anthropic(input: Double, output: Double) -> ModelPrice {
        ModelPrice(input: input, output: output, cachedInput: input * 0.1, cacheWrite: input * 1.25)
    }

    public static let free = ModelPrice(input: 0, output: 0)

    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        cost(TokenUsage(input: inputTokens, output: outputTokens))
    }

    /// (input − cached − written) × input + cached × cached rate + written × write rate
    /// + output × output, per million tokens. Reasoning tokens are output.
    public func cost(_ usage: TokenUsage) -> Double {
        let plain = max(0, usage.input - usage.cachedInput - usage.cacheWrite)
        return (Double(plain) * input + Double(usage.cachedInput) * (cachedInput ?? input)
            + Double(usage.cacheWrite) * (cacheWrite ?? input) + Double(usage.output) * output) / 1e6
    }
}

/// A plugin's built-in prices merged with the config's overrides. A model not found has no
/// price (nil: unknown is never free), unless the table has an `unlisted` price (local models).
public struct PriceTable: Sendable, Equatable {
    public let prices: [String: ModelPrice]
    public let unlisted: ModelPrice?

    public init(builtIn: [String: ModelPrice], overrides: [String: ModelPrice] = [:], unlisted: ModelPrice? = nil) {
        prices = builtIn.merging(overrides) { _, override in override }
        self.unlisted = unlisted
    }

    /// The exact model, else the longest listed model that the name extends with a dated or
    /// numbered snapshot suffix ("claude-sonnet-4-5-20250929", "gemini-2.0-flash-001"). Other
    /// suffixes do not match: "gemini-2.5-flash-lite" is not priced as "gemini-2.5-flash".
    public func price(for model: String) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        let snapshot = prices.keys
            .filter { key in
                guard model.hasPrefix(key + "-") else { return false }
                return model.dropFirst(key.count + 1).allSatisfy { $0.isNumber || $0 == "-" }
            }
            .max { $0.count < $1.count }
        return snapshot.flatMap { prices[$0] } ?? unlisted
    }
}
