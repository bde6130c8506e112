import D8Contracts
import D8JSON

/// The execute and describe every chat provider shares: prompt from the task, one exchange
/// through the host, the status mapped to the ABI's outcomes, the evolution check and the cost.
/// A plugin brings its codec, its price table and its default model.
public struct ChatEngine: Sendable {
    public let name: String
    public let version: String
    public let settings: PluginSettings
    public let prices: PriceTable
    public let defaultModel: String
    let host: PluginHost
    let codec: any ChatCodec

    public init(name: String, version: String, settings: PluginSettings, host: PluginHost, builtInPrices: [String: ModelPrice],
                unlistedPrice: ModelPrice? = nil, defaultModel: String, codec: any ChatCodec) {
        self.name = name
        self.version = version
        self.settings = settings
        self.host = host
        prices = PriceTable(builtIn: builtInPrices, overrides: settings.prices, unlisted: unlistedPrice)
        self.defaultModel = settings.defaultModel ?? defaultModel
        self.codec = codec
    }

    public func execute(task: JSONValue) -> ProviderOutcome {
        let prompt: TaskPrompt, chat: ChatRequest, request: HTTPRequest
        switch prepare(task: task, stream: false) {
        case let .success(prepared): (prompt, chat, request) = prepared
        case let .failure(problem): return .fail(problem.description)
        }
        switch host.send(request) {
        case let .refused(reason): return .fail("\(name): the host refused the request: \(reason)")
        case let .transportError(reason): return .retry("\(name): request failed: \(reason)")
        case let .response(response): return outcome(of: response, prompt: prompt, chat: chat)
        }
    }

    /// The prompt, the provider-neutral chat and its HTTP request; a task that cannot be run as
    /// written (or asks what the provider cannot honour) as the message to fail with.
    func prepare(task: JSONValue, stream: Bool) -> Result<(TaskPrompt, ChatRequest, HTTPRequest), TaskPrompt.Problem> {
        do throws(TaskPrompt.Problem) {
            let prompt = try TaskPrompt.build(task: task)
            let chat = prompt.request(defaultModel: defaultModel, defaultMaxTokens: settings.maxTokens)
            var request: HTTPRequest
            do throws(UnsupportedField) {
                request = try codec.httpRequest(for: chat, stream: stream)
            } catch {
                throw TaskPrompt.Problem("\(error)")
            }
            request.timeoutMilliseconds = settings.timeoutMilliseconds
            return .success((prompt, chat, request))
        } catch {
            return .failure(TaskPrompt.Problem("\(name): \(error)"))
        }
    }

    func outcome(of response: HTTPResponse, prompt: TaskPrompt, chat: ChatRequest) -> ProviderOutcome {
        guard (200..<300).contains(response.status) else { return failure(response) }
        let completion: Completion
        do throws(CompletionProblem) {
            guard let body = try? JSONValue.parse(response.body) else { throw .malformed("the body is not JSON") }
            completion = try codec.completion(from: body)
        } catch {
            switch error {
            case let .malformed(what): return .retry("\(name): malformed response: \(what)")
            case let .refused(why): return .fail("\(name): \(why)")
            }
        }
        return outcome(of: completion, prompt: prompt, chat: chat)
    }

    /// A non-2xx answer: retry what may pass (408, 429, 5xx and Anthropic's 529), fail the rest,
    /// keeping the provider's own message and its retry-after.
    func failure(_ response: HTTPResponse) -> ProviderOutcome {
        let body = try? JSONValue.parse(response.body)
        let message = "\(name): HTTP \(response.status): \(ErrorMessage.from(body: body, raw: response.body))"
        let retryAfter = response.header("retry-after").flatMap { RetryAfter.seconds(header: $0) } ?? body.flatMap(codec.retryAfter(inErrorBody:))
        var details: [String: JSONValue] = ["http_status": JSONValue(response.status)]
        if let retryAfter { details["retry_after_s"] = JSONValue(retryAfter) }
        let retryable = response.status == 408 || response.status == 429 || response.status >= 500
        return retryable ? .retry(message, details: .object(details)) : .fail(message, details: .object(details))
    }
}

/// The plugins whose execute and describe are a `ChatEngine`'s.
public protocol ChatProviderPlugin: ProviderPlugin {
    var engine: ChatEngine { get }
}

extension ChatProviderPlugin {
    public func describe() -> JSONValue { engine.describe() }
    public func execute(task: JSONValue) -> ProviderOutcome { engine.execute(task: task) }
    public func executeStream(task: JSONValue, delta: (JSONValue) -> Bool) -> ProviderOutcome { engine.executeStream(task: task, delta: delta) }
}
