import D8Core

/// Handlers that answer `FakeAnswer` in each provider's format: streamed when the request asks
/// for a stream ("stream": true, or Gemini's :streamGenerateContent), whole otherwise.
extension FakeProvider {
    /// OpenAI chat completions; `groq` puts the usage in x_groq.usage of the final chunk as
    /// well as in the usage chunk stream_options asks for.
    public static func openAI(_ answer: FakeAnswer, groq: Bool = false) -> Handler {
        { request in
            let model = request.json?["model"]?.stringValue ?? "fake"
            guard request.json?["stream"] == true else { return .json(FakeWire.openAIBody(answer, model: model)) }
            return .streamed(FakeWire.openAIEvents(answer, model: model, groq: groq), contentType: "text/event-stream", cut: answer.ending == .cut)
        }
    }

    /// Anthropic's Messages API.
    public static func claude(_ answer: FakeAnswer) -> Handler {
        { request in
            let model = request.json?["model"]?.stringValue ?? "fake"
            guard request.json?["stream"] == true else { return .json(FakeWire.claudeBody(answer, model: model)) }
            return .streamed(FakeWire.claudeEvents(answer, model: model), contentType: "text/event-stream", cut: answer.ending == .cut)
        }
    }

    /// Gemini generateContent and streamGenerateContent?alt=sse.
    public static func gemini(_ answer: FakeAnswer) -> Handler {
        { request in
            let model = geminiModel(inPath: request.path)
            guard request.path.contains(":streamGenerateContent") else { return .json(FakeWire.geminiBody(answer, model: model)) }
            return .streamed(FakeWire.geminiEvents(answer, model: model), contentType: "text/event-stream", cut: answer.ending == .cut)
        }
    }

    /// Ollama's native /api/chat, NDJSON when streamed.
    public static func ollama(_ answer: FakeAnswer) -> Handler {
        { request in
            let model = request.json?["model"]?.stringValue ?? "fake"
            guard request.json?["stream"] == true else { return .json(FakeWire.ollamaLine(answer, model: model, done: true)) }
            return .streamed(FakeWire.ollamaLines(answer, model: model), contentType: "application/x-ndjson", cut: answer.ending == .cut)
        }
    }
}
