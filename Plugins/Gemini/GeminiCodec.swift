import D8JSON
import D8PluginKit

/// POST {base}/models/{model}:generateContent (streamed: :streamGenerateContent?alt=sse) with
/// x-goog-api-key. Roles are user and model; system text goes in systemInstruction; limits,
/// sampling, stop, seed and JSON mode in generationConfig; tools as functionDeclarations.
struct GeminiCodec: ChatCodec {
    let baseURL: String
    let apiKey: String

    func httpRequest(for chat: ChatRequest, stream: Bool) throws(UnsupportedField) -> HTTPRequest {
        // Accept "models/gemini-2.0-flash" as well: it is how the API lists its models.
        let model = chat.model.hasPrefix("models/") ? String(chat.model.dropFirst(7)) : chat.model
        var config: [String: JSONValue] = ["maxOutputTokens": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { config["temperature"] = .number(temperature) }
        if let topP = chat.topP { config["topP"] = .number(topP) }
        if !chat.stop.isEmpty { config["stopSequences"] = .array(chat.stop.map(JSONValue.string)) }
        if let seed = chat.seed { config["seed"] = JSONValue(seed) }
        if chat.jsonObject { config["responseMimeType"] = "application/json" }
        var body: [String: JSONValue] = ["contents": .array(try GeminiContents.encode(chat.messages)), "generationConfig": .object(config)]
        if let system = chat.system { body["systemInstruction"] = ["parts": [["text": .string(system)]]] }
        if !chat.tools.isEmpty { body["tools"] = [["functionDeclarations": .array(chat.tools.map(GeminiContents.declaration))]] }
        if let choice = chat.toolChoice { body["toolConfig"] = ["functionCallingConfig": GeminiContents.callingConfig(choice)] }
        let headers = [HTTPHeader("Content-Type", "application/json"), HTTPHeader("x-goog-api-key", apiKey)]
        let method = stream ? "streamGenerateContent?alt=sse" : "generateContent"
        return HTTPRequest(url: "\(baseURL)/models/\(model):\(method)", headers: headers, body: JSONValue.object(body).jsonBytes, timeoutMilliseconds: 0)
    }

    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        guard let candidate = body["candidates"]?.arrayValue?.first else {
            if let reason = body["promptFeedback"]?["blockReason"]?.stringValue { throw .refused("the prompt was blocked (blockReason \(reason))") }
            throw .malformed("no candidates[0] in the answer")
        }
        var answer = StreamAccumulator()
        _ = GeminiAnswer.read(candidate, into: &answer)
        let reason = candidate["finishReason"]?.stringValue ?? "none given"
        // MAX_TOKENS with nothing written is the engine's to explain (thinking used the budget).
        guard !answer.text.isEmpty || answer.hasCalls || reason == "MAX_TOKENS" else {
            throw .refused("the answer has no text (finishReason \(reason))")
        }
        return Completion(
            text: answer.text, usage: GeminiAnswer.usage(try body.require("usageMetadata") { $0.objectValue != nil ? $0 : nil }),
            model: body["modelVersion"]?.stringValue, toolCalls: answer.toolCalls, finishReason: answer.finishReason)
    }

    func streamParser() -> any ChatStreamParser { GeminiStreamParser() }

    /// A 429's google.rpc.RetryInfo detail: {"@type": ".../google.rpc.RetryInfo", "retryDelay": "13s"}.
    func retryAfter(inErrorBody body: JSONValue) -> Int? {
        body["error"]?["details"]?.arrayValue?.lazy.compactMap { $0["retryDelay"]?.stringValue }.compactMap(RetryAfter.seconds(duration:)).first
    }
}
