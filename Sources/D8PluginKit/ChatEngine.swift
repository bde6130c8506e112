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
        let prompt: TaskPrompt
        do throws(TaskPrompt.Problem) {
            prompt = try TaskPrompt.build(task: task)
        } catch {
            return .fail("\(name): \(error)")
        }
        let chat = prompt.request(defaultModel: defaultModel, defaultMaxTokens: settings.maxTokens)
        var request = codec.httpRequest(for: chat)
        request.timeoutMilliseconds = settings.timeoutMilliseconds
        switch host.send(request) {
        case let .refused(reason): return .fail("\(name): the host refused the request: \(reason)")
        case let .transportError(reason): return .retry("\(name): request failed: \(reason)")
        case let .response(response): return outcome(of: response, prompt: prompt, chat: chat)
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
        var result: [String: JSONValue] = [:]
        if let parent = prompt.parentGenome {
            do throws(Genome.Problem) {
                result["genome"] = try Genome.child(in: completion.text, matching: parent)
            } catch {
                return .retry("\(name): \(prompt.taskType): \(error)")
            }
        }
        let model = completion.model.flatMap { $0.isEmpty ? nil : $0 } ?? chat.model
        let price = prices.price(for: model) ?? prices.price(for: chat.model)
        result["success"] = true
        result["output"] = .string(completion.text)
        result["model"] = .string(model)
        result["usage"] = ["input_tokens": JSONValue(completion.inputTokens), "output_tokens": JSONValue(completion.outputTokens)]
        result["cost_usd"] = JSONValue(price?.cost(inputTokens: completion.inputTokens, outputTokens: completion.outputTokens))
        return .ok(.object(result))
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
}
