import D8Core
import Synchronization

/// Ready-made handlers that answer in each provider's real wire format. Success answers echo the
/// requested model (from the body, or from the URL for Gemini) unless `model` is given.
extension FakeProvider {
    /// OpenAI chat completions (Groq, and Ollama with `api: openai`).
    public static func openAIChat(text: String, promptTokens: Int = 10, completionTokens: Int = 5, model: String? = nil) -> Handler {
        { request in
            .json([
                "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000,
                "model": .string(model ?? request.json?["model"]?.stringValue ?? "fake"),
                "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
                "usage": ["prompt_tokens": JSONValue(promptTokens), "completion_tokens": JSONValue(completionTokens),
                          "total_tokens": JSONValue(promptTokens + completionTokens)],
            ])
        }
    }

    /// Gemini generateContent.
    public static func gemini(text: String, promptTokens: Int = 10, candidatesTokens: Int = 5, model: String? = nil) -> Handler {
        { request in
            .json([
                "candidates": [["content": ["role": "model", "parts": [["text": .string(text)]]], "finishReason": "STOP", "index": 0]],
                "usageMetadata": ["promptTokenCount": JSONValue(promptTokens), "candidatesTokenCount": JSONValue(candidatesTokens),
                                  "totalTokenCount": JSONValue(promptTokens + candidatesTokens)],
                "modelVersion": .string(model ?? geminiModel(inPath: request.path)),
            ])
        }
    }

    /// Claude messages.
    public static func claude(text: String, inputTokens: Int = 10, outputTokens: Int = 5, model: String? = nil) -> Handler {
        { request in
            .json([
                "id": "msg_fake", "type": "message", "role": "assistant",
                "model": .string(model ?? request.json?["model"]?.stringValue ?? "fake"),
                "content": [["type": "text", "text": .string(text)]],
                "stop_reason": "end_turn", "stop_sequence": nil,
                "usage": ["input_tokens": JSONValue(inputTokens), "output_tokens": JSONValue(outputTokens)],
            ])
        }
    }

    /// Ollama's native /api/chat with `stream: false`.
    public static func ollama(text: String, promptEvalCount: Int = 10, evalCount: Int = 5, model: String? = nil) -> Handler {
        { request in
            .json([
                "model": .string(model ?? request.json?["model"]?.stringValue ?? "fake"),
                "created_at": "2025-01-01T00:00:00Z",
                "message": ["role": "assistant", "content": .string(text)],
                "done_reason": "stop", "done": true, "total_duration": 1_000_000,
                "prompt_eval_count": JSONValue(promptEvalCount), "eval_count": JSONValue(evalCount),
            ])
        }
    }

    /// Any status with a raw body and headers (e.g. `retry-after`).
    public static func error(status: Int, body: String, headers: [(name: String, value: String)] = []) -> Handler {
        { _ in Reply(status: status, headers: [("content-type", "application/json")] + headers, body: Array(body.utf8)) }
    }

    /// OpenAI/Groq error body: {"error":{"message":...,"type":...}}.
    public static func openAIError(status: Int, message: String, headers: [(name: String, value: String)] = []) -> Handler {
        { _ in .json(["error": ["message": .string(message), "type": "invalid_request_error"]], status: status, headers: headers) }
    }

    /// Gemini error body (google.rpc.Status), with a RetryInfo detail when `retryDelay` is given ("13s").
    public static func geminiError(status: Int, message: String, retryDelay: String? = nil) -> Handler {
        let details: JSONValue = retryDelay.map { [["@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": .string($0)]] } ?? []
        let code: JSONValue = switch status {
        case 429: "RESOURCE_EXHAUSTED"
        case 400: "INVALID_ARGUMENT"
        case 403: "PERMISSION_DENIED"
        default: "UNAVAILABLE"
        }
        return { _ in .json(["error": ["code": JSONValue(status), "message": .string(message), "status": code, "details": details]], status: status) }
    }

    /// Claude error body: {"type":"error","error":{"type":...,"message":...}}.
    public static func claudeError(status: Int, type: String, message: String, headers: [(name: String, value: String)] = []) -> Handler {
        { _ in .json(["type": "error", "error": ["type": .string(type), "message": .string(message)]], status: status, headers: headers) }
    }

    /// Ollama error body: {"error":"..."}.
    public static func ollamaError(status: Int, message: String) -> Handler {
        { _ in .json(["error": .string(message)], status: status) }
    }

    /// The n-th request gets the n-th handler's answer; the last handler answers all later ones
    /// (say, a 429 first and a success after).
    public static func sequence(_ handlers: [Handler]) -> Handler {
        precondition(!handlers.isEmpty, "sequence needs at least one handler")
        let count = Atomic<Int>(0)
        return { request in
            let n = count.add(1, ordering: .relaxed).oldValue
            return handlers[min(n, handlers.count - 1)](request)
        }
    }

    /// Answers like `handler`, after `delay` (for "slower than the plugin's timeout").
    public static func slow(_ delay: Duration, _ handler: @escaping Handler) -> Handler {
        { request in handler(request).delayed(by: delay) }
    }

    /// "gemini-2.0-flash" from "/v1beta/models/gemini-2.0-flash:generateContent".
    static func geminiModel(inPath path: String) -> String {
        guard let start = path.range(of: "/models/")?.upperBound else { return "fake" }
        return String(path[start...].prefix { $0 != ":" && $0 != "?" })
    }
}
