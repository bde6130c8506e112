/// Builds the final completion of a streamed answer from its pieces, and turns each piece into
/// the delta the host gets. Every provider's parser feeds one.
public struct StreamAccumulator: Sendable {
    public private(set) var text = ""
    private var calls: [Int: (id: String, name: String, arguments: String)] = [:]
    public var usage = TokenUsage(input: 0, output: 0)
    /// Whether the provider has counted input and output yet (else a cancel estimates them).
    public var inputCounted = false
    public var outputCounted = false
    public var model: String?
    public var finishReason: String?

    public init() {}

    /// Text; nil for an empty piece (nothing to send).
    public mutating func append(text piece: String) -> ChatDelta? {
        guard !piece.isEmpty else { return nil }
        text += piece
        return .content(piece)
    }

    /// A tool call's first piece: its id and name, and its arguments so far.
    public mutating func startCall(index: Int, id: String, name: String, arguments: String = "") -> ChatDelta {
        calls[index] = (id, name, arguments)
        return .toolCallStart(index: index, id: id, name: name, arguments: arguments)
    }

    /// More arguments of call `index` (unknown index: ignored, nothing to attach them to).
    public mutating func append(arguments piece: String, index: Int) -> ChatDelta? {
        guard !piece.isEmpty, calls[index] != nil else { return nil }
        calls[index]?.arguments += piece
        return .toolArguments(index: index, piece: piece)
    }

    public var hasCalls: Bool { !calls.isEmpty }
    public func hasCall(_ index: Int) -> Bool { calls[index] != nil }

    public var toolCalls: [ToolCall] {
        calls.sorted { $0.key < $1.key }.map { ToolCall(id: $0.value.id, name: $0.value.name, arguments: $0.value.arguments) }
    }

    public var completion: Completion {
        Completion(text: text, usage: usage, model: model, toolCalls: toolCalls, finishReason: finishReason)
    }

    /// The usage so far, estimating from bytes what the provider has not counted yet.
    func spent(promptBytes: Int) -> TokenUsage {
        var spent = usage
        if !inputCounted { spent.input = TokenUsage.estimate(bytes: promptBytes) }
        if !outputCounted {
            let written = text.utf8.count + calls.values.reduce(0) { $0 + $1.name.utf8.count + $1.arguments.utf8.count }
            spent.output = max(spent.output, TokenUsage.estimate(bytes: written))
        }
        spent.estimated = !inputCounted || !outputCounted
        return spent
    }
}
