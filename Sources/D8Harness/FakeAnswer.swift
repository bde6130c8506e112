/// What a fake provider answers, streamed or not, in any format: text in pieces, an optional
/// tool call, token counts (cached input and thoughts included), and how the stream ends.
public struct FakeAnswer: Sendable {
    public enum Ending: Sendable, Equatable {
        case complete
        /// The connection drops before the terminal event.
        case cut
        /// An error event after the pieces, with the provider's message.
        case error(String)
    }

    public var pieces: [String]
    /// A function call: its name and its JSON arguments in pieces.
    public var toolCall: (name: String, arguments: [String])?
    public var inputTokens: Int
    public var outputTokens: Int
    /// Of the input, served from the prompt cache.
    public var cachedTokens: Int
    /// Gemini's thoughtsTokenCount (not in outputTokens, as Gemini counts them apart).
    public var thoughtsTokens: Int
    /// Overrides the finish reason in the provider's own words (say, Gemini's MAX_TOKENS).
    public var finishReason: String?
    public var ending: Ending

    public init(pieces: [String], toolCall: (name: String, arguments: [String])? = nil, inputTokens: Int = 10, outputTokens: Int = 5,
                cachedTokens: Int = 0, thoughtsTokens: Int = 0, finishReason: String? = nil, ending: Ending = .complete) {
        self.pieces = pieces
        self.toolCall = toolCall
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cachedTokens = cachedTokens
        self.thoughtsTokens = thoughtsTokens
        self.finishReason = finishReason
        self.ending = ending
    }

    public var text: String { pieces.joined() }
    var arguments: String { toolCall?.arguments.joined() ?? "" }
}
