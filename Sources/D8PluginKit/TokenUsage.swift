import D8JSON

/// What one exchange used, as d8 reports and prices it. Totals include their parts: input
/// counts cached and cache-written tokens, output counts reasoning (thinking) tokens.
public struct TokenUsage: Sendable, Equatable {
    public var input: Int
    public var output: Int
    /// Input served from the provider's prompt cache (priced at the cached rate).
    public var cachedInput: Int
    /// Input written to the cache (Anthropic: 1.25 × input).
    public var cacheWrite: Int
    /// Output spent thinking (Gemini 2.5's thoughts, OpenAI's reasoning tokens).
    public var reasoning: Int
    /// Counted by d8 from bytes (a cancelled stream the provider had not counted yet).
    public var estimated: Bool

    public init(input: Int, output: Int, cachedInput: Int = 0, cacheWrite: Int = 0, reasoning: Int = 0, estimated: Bool = false) {
        self.input = input
        self.output = output
        self.cachedInput = cachedInput
        self.cacheWrite = cacheWrite
        self.reasoning = reasoning
        self.estimated = estimated
    }

    /// The result's "usage": the parts only when there are some, so plain answers keep the
    /// two-key shape every client knows.
    public var json: JSONValue {
        var usage: [String: JSONValue] = ["input_tokens": JSONValue(input), "output_tokens": JSONValue(output)]
        if cachedInput > 0 { usage["cached_input_tokens"] = JSONValue(cachedInput) }
        if reasoning > 0 { usage["reasoning_tokens"] = JSONValue(reasoning) }
        if estimated { usage["usage_estimated"] = true }
        return .object(usage)
    }

    /// A rough count for text no provider counted: a token is about four bytes.
    static func estimate(bytes: Int) -> Int { (bytes + 3) / 4 }
}
