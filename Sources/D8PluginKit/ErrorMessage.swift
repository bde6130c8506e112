import D8JSON

/// The provider's own words from an error body. One reader serves all four formats:
/// OpenAI/Groq, Gemini and Claude put it in error.message, Ollama in error.
enum ErrorMessage {
    static func from(body: JSONValue?, raw: [UInt8]) -> String {
        if let text = body?["error"]?["message"]?.stringValue ?? body?["error"]?.stringValue ?? body?["message"]?.stringValue, !text.isEmpty {
            return oneLine(text)
        }
        let text = oneLine(String(decoding: raw.prefix(300), as: UTF8.self))
        return text.isEmpty ? "no error message" : text
    }

    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespaceSubstring() }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension Substring {
    func trimmingWhitespaceSubstring() -> String { String(self).trimmingWhitespace() }
}
