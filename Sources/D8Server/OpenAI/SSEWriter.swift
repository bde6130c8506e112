import D8Contracts
import D8Core
import D8Wire
import Hummingbird

/// Server-sent events in the order OpenAI sends them: the role first, the deltas, a last
/// chunk with the finish reason, the usage chunk when asked, then `data: [DONE]`.
struct SSEWriter {
    var writer: any ResponseBodyWriter
    let answer: ChatCompletion
    let includeUsage: Bool
    /// The role chunk went out: the answer has begun.
    private(set) var started = false

    init(writer: any ResponseBodyWriter, answer: ChatCompletion, includeUsage: Bool) {
        self.writer = writer
        self.answer = answer
        self.includeUsage = includeUsage
    }

    mutating func delta(_ delta: JSONValue) async throws {
        try await begin()
        try await data(answer.chunk(delta: delta, includeUsage: includeUsage))
    }

    /// The end of a completed answer; with no delta streamed, the whole answer as one.
    mutating func finish(result: JSONValue) async throws {
        if !started {
            try await begin()
            let whole = WholeAnswerDelta.of(result)
            if whole != [:] { try await data(answer.chunk(delta: whole, includeUsage: includeUsage)) }
        }
        try await data(answer.chunk(delta: [:], finishReason: ChatCompletion.finishReason(of: result), includeUsage: includeUsage))
        if includeUsage { try await data(answer.usageChunk(result: result)) }
        try await line("data: [DONE]\n\n")
        try await writer.finish(nil)
    }

    /// An error after the status line: a `data:` payload with OpenAI's error object, which the
    /// SDKs raise as an APIError.
    mutating func error(_ error: OpenAIError) async throws {
        try await data(error.json)
        try await writer.finish(nil)
    }

    mutating func comment(_ text: String) async throws { try await line(": \(text)\n\n") }

    private mutating func begin() async throws {
        guard !started else { return }
        started = true
        try await data(answer.chunk(delta: ["role": "assistant", "content": ""], includeUsage: includeUsage))
    }

    private mutating func data(_ value: JSONValue) async throws {
        try await line("data: " + value.jsonString + "\n\n")
    }

    private mutating func line(_ text: String) async throws {
        try await writer.write(ByteBuffer(string: text))
    }
}
