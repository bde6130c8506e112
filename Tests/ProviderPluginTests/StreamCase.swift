import D8Core
import D8Harness
import D8Worker

extension ProviderCase {
    /// The fake answering `answer` in this provider's format, streamed or whole as asked.
    func fake(_ answer: FakeAnswer) -> FakeProvider.Handler {
        switch description {
        case "groq": FakeProvider.openAI(answer, groq: true)
        case "gemini": FakeProvider.gemini(answer)
        case "claude": FakeProvider.claude(answer)
        case "ollama": FakeProvider.ollama(answer)
        default: FakeProvider.openAI(answer)
        }
    }

    /// The id the provider gives the first tool call (Gemini and Ollama have none: d8 numbers them).
    var firstCallID: String {
        switch description {
        case "claude": "toolu_fake"
        case "gemini", "ollama": "call_0"
        default: "call_fake"
        }
    }
}

extension PluginUnderTest {
    /// executeStream, collecting the deltas; `keep` says whether the client is still there.
    func stream(_ task: JSONValue, keep: @escaping (Int) -> Bool = { _ in true }) -> (deltas: [JSONValue], outcome: PluginOutcome) {
        defer { fake.stop() }
        var deltas: [JSONValue] = []
        let outcome = instance.executeStream(task: task) { delta in
            deltas.append(delta)
            return keep(deltas.count)
        }
        return (deltas, outcome)
    }
}

extension [JSONValue] {
    /// The text of the content deltas, joined.
    var text: String { compactMap { $0["content"]?.stringValue }.joined() }
}
