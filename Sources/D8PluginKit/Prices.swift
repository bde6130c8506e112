/// USD per million input and output tokens.
public struct ModelPrice: Sendable, Equatable {
    public let input: Double
    public let output: Double

    public init(input: Double, output: Double) {
        self.input = input
        self.output = output
    }

    public static let free = ModelPrice(input: 0, output: 0)

    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        Double(inputTokens) * input / 1e6 + Double(outputTokens) * output / 1e6
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
