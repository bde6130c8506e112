import D8Contracts
import D8JSON

extension ChatEngine {
    /// A completion as the task's outcome: the evolution check, the cost, the result object.
    /// An answer with neither text nor tool calls that stopped at max_tokens is no success: the
    /// model (thinking, mostly) used the whole budget; the spend is kept in the details.
    func outcome(of completion: Completion, prompt: TaskPrompt, chat: ChatRequest) -> ProviderOutcome {
        var result = resultObject(completion, chat: chat)
        if completion.text.isEmpty, completion.toolCalls.isEmpty, completion.finishReason == "length" {
            let thinking = completion.usage.reasoning > 0 ? "thinking used \(completion.usage.reasoning) of the \(chat.maxTokens) max_tokens" : "the answer reached max_tokens (\(chat.maxTokens))"
            return .fail("\(name): no text: \(thinking) before any text was written; raise max_tokens", details: ChatDelta.spentOnly(.object(result)))
        }
        if let parent = prompt.parentGenome {
            do throws(Genome.Problem) {
                result["genome"] = try Genome.child(in: completion.text, matching: parent)
            } catch {
                return .retry("\(name): \(prompt.taskType): \(error)")
            }
        }
        return .ok(.object(result))
    }

    /// {"success","output","model","usage","cost_usd"} plus finish_reason and tool_calls when known.
    func resultObject(_ completion: Completion, chat: ChatRequest) -> [String: JSONValue] {
        let model = completion.model.flatMap { $0.isEmpty ? nil : $0 } ?? chat.model
        let price = prices.price(for: model) ?? prices.price(for: chat.model)
        var result: [String: JSONValue] = [
            "success": true, "output": .string(completion.text), "model": .string(model),
            "usage": completion.usage.json, "cost_usd": JSONValue(price?.cost(completion.usage)),
        ]
        if let reason = completion.finishReason { result["finish_reason"] = .string(reason) }
        if !completion.toolCalls.isEmpty { result["tool_calls"] = .array(completion.toolCalls.map(\.json)) }
        return result
    }
}
