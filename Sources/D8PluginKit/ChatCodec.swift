import D8JSON

/// One provider's wire format: a chat request to HTTP, a success body (or a stream) to a completion.
public protocol ChatCodec: Sendable {
    /// The HTTP request for one chat, streamed or not (the engine sets the timeout); a field
    /// the provider cannot honour is refused by name.
    func httpRequest(for chat: ChatRequest, stream: Bool) throws(UnsupportedField) -> HTTPRequest
    /// Text, tool calls, usage and model from a 2xx body.
    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion
    /// A parser for the provider's streamed answer (a 2xx body, fed as it arrives).
    func streamParser() -> any ChatStreamParser
    /// A retry delay carried in an error body, in seconds (Gemini's RetryInfo); nil by default.
    func retryAfter(inErrorBody body: JSONValue) -> Int?
}

extension ChatCodec {
    public func retryAfter(inErrorBody body: JSONValue) -> Int? { nil }
}

/// What a provider answered.
public struct Completion: Sendable, Equatable {
    public var text: String
    public var usage: TokenUsage
    /// The model the provider says it used, when it says.
    public var model: String?
    public var toolCalls: [ToolCall] = []
    /// In OpenAI's words: stop, length, tool_calls, content_filter.
    public var finishReason: String?

    public init(text: String, usage: TokenUsage, model: String?, toolCalls: [ToolCall] = [], finishReason: String? = nil) {
        self.text = text
        self.usage = usage
        self.model = model
        self.toolCalls = toolCalls
        self.finishReason = finishReason
    }

    public init(text: String, inputTokens: Int, outputTokens: Int, model: String?) {
        self.init(text: text, usage: TokenUsage(input: inputTokens, output: outputTokens), model: model)
    }

    public var inputTokens: Int { usage.input }
    public var outputTokens: Int { usage.output }
}

/// Why a 2xx body gave no completion.
public enum CompletionProblem: Error, Equatable {
    /// Not the shape the provider documents: worth another try.
    case malformed(String)
    /// The provider answered but declined to produce text (safety, refusal): permanent.
    case refused(String)
}

/// Reading the provider's JSON by path, failing with the path that was wrong.
extension JSONValue {
    public func require<T>(_ path: String, _ read: (JSONValue) -> T?) throws(CompletionProblem) -> T {
        var current: JSONValue? = self
        for step in path.split(separator: ".") {
            if let open = step.firstIndex(of: "["), let index = Int(step[step.index(after: open)...].dropLast()) {
                let list = current?[String(step[..<open])]?.arrayValue
                current = list.flatMap { index < $0.count ? $0[index] : nil }
            } else {
                current = current?[String(step)]
            }
        }
        guard let current, let value = read(current) else { throw .malformed("no \(path) in the answer") }
        return value
    }

    /// A token count: a non-negative integer.
    public var tokenCount: Int? { intValue.flatMap { $0 >= 0 ? $0 : nil } }
}
