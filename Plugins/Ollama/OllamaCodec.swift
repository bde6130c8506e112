import D8JSON
import D8PluginKit

/// Ollama's native POST {base}/api/chat with stream:false; options carry temperature and
/// num_predict. Token counts are prompt_eval_count and eval_count, which Ollama leaves out
/// when it served the prompt from its cache, hence 0 then.
struct OllamaCodec: ChatCodec {
    let url: String

    init(baseURL: String) { url = baseURL + "/api/chat" }

    func httpRequest(for chat: ChatRequest) -> HTTPRequest {
        var messages: [JSONValue] = chat.system.map { [["role": "system", "content": .string($0)]] } ?? []
        messages += chat.messages.map { ["role": .string($0.role.rawValue), "content": .string($0.content)] }
        var options: [String: JSONValue] = ["num_predict": JSONValue(chat.maxTokens)]
        if let temperature = chat.temperature { options["temperature"] = .number(temperature) }
        let body: JSONValue = ["model": .string(chat.model), "messages": .array(messages), "stream": false, "options": .object(options)]
        return HTTPRequest(url: url, headers: [HTTPHeader("Content-Type", "application/json")], body: body.jsonBytes, timeoutMilliseconds: 0)
    }

    func completion(from body: JSONValue) throws(CompletionProblem) -> Completion {
        Completion(
            text: try body.require("message.content") { $0.stringValue },
            inputTokens: body["prompt_eval_count"]?.tokenCount ?? 0,
            outputTokens: body["eval_count"]?.tokenCount ?? 0,
            model: body["model"]?.stringValue)
    }
}
