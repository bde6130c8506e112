/// What one worker type's model costs, in USD per million tokens. A worker type without a
/// `Price` has an unknown price, which is never taken for free.
public struct Price: Sendable, Equatable {
    public let inputPerMTok: Double
    public let outputPerMTok: Double

    public init(inputPerMTok: Double, outputPerMTok: Double) {
        self.inputPerMTok = inputPerMTok
        self.outputPerMTok = outputPerMTok
    }

    public static let free = Price(inputPerMTok: 0, outputPerMTok: 0)
    public var isFree: Bool { inputPerMTok == 0 && outputPerMTok == 0 }

    public func cost(inputTokens: Int, outputTokens: Int) -> Double {
        (Double(inputTokens) * inputPerMTok + Double(outputTokens) * outputPerMTok) / 1_000_000
    }
}

/// The tokens a task is expected to use, before it runs: the prompt's size at about four bytes
/// per token (a deliberate overestimate for English text), and its `max_tokens` of output.
public struct TokenEstimate: Sendable, Equatable {
    public let inputTokens: Int
    public let outputTokens: Int

    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public init(promptBytes: Int, maxTokens: Int) {
        self.init(inputTokens: (promptBytes + 3) / 4, outputTokens: maxTokens)
    }

    /// When neither the task nor its type says how long the answer may be.
    public static let defaultMaxTokens = 1024
}
