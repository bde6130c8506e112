import D8JSON
import D8PluginKit

/// POST {base}/models/{model}:generateContent with x-goog-api-key. Roles are user and model;
/// system text goes in systemInstruction; limits in generationConfig.
struct GeminiCodec: ChatCodec {
    let baseURL: String
    let apiKey: String

    func httpRequest(for chat: ChatRequest) -> HTTPRequest {
        // Accept "models/gemini-2.0-flash" as well: it is how the API lists its models.
        let model = chat.model.hasPrefix("models/") ? String(chat.model.dropFirst(7)) : chat.model
        let contents = chat.messages.map { message -> JSONValue in
            ["role": message.role == .assistant ? "model" : "user", "parts": [["text": .string(message.content)]]]
        }
        var config: [String: JSONValue] = ["maxOutputTokens": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { config["temperature"] = .number(temperature) }
        var body: [String: JSONValue] = ["contents": .array(contents), "generationConfig": .object(config)]
        if let system = chat.system { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("x-goog-api-key", apiKey)]
        return HTTPRequest(url: "\(baseURL)/models/\(model):generateContent", headers: headers, body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        guard let candidate = body["candidates"]?.arrayValue?.first else {
            if let reason = body["promptFeedback"]?["blockReason"]?.stringValue { throw .refused("the prompt was blocked (blockReason \(reason))") }
            throw .malformed("no candidates[0] in the answer")
        }
        let texts = candidate["content"]?["parts"]?.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
        guard !texts.isEmpty else {
            let reason = candidate["finishReason"]?.stringValue ?? "none given"
            throw .refused("the answer has no text (finishReason \(reason))")
        }
        let usage = try body.require("usageMetadata") { $0.objectValue }
        return Completion(
            text: texts.joined(),
            inputTokens: usage["promptTokenCount"]?.tokenCount ?? 0,
            // Absent when the model wrote nothing countable; never absent with text in practice.
            outputTokens: usage["candidatesTokenCount"]?.tokenCount ?? 0,
            model: body["modelVersion"]?.stringValue)
    }

    /// A 429's google.rpc.RetryInfo detail: {"@type": ".../google.rpc.RetryInfo", "retryDelay": "13s"}.
    func retryAfter(inErrorBody body: JSONValue) -> Int? {
        body["error"]?["details"]?.arrayValue?.lazy.compactMap { $0["retryDelay"]?.stringValue }.compactMap(RetryAfter.seconds(duration:)).first
    }
}
