import ArgumentParser
import D8Client
import D8Core
import Foundation

/// `d8 chat --model fast "write a haiku"`: the front door from a terminal, streamed.
struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask a model through the OpenAI-compatible front door; the answer streams to stdout.",
        discussion: """
            The same endpoint any OpenAI SDK calls (/v1/chat/completions): the request is a task \
            with the client key's budgets, routed by --model (an alias of `models:`, a worker \
            type, or <worker type>/<model>). On a terminal, stderr ends with the task id, the \
            worker type, the tokens and the cost. With --json, the whole chat.completion is \
            printed instead. Exit status: 0 answered, 2 a refusal (bad model, spent budget: the \
            message says which), 3 the orchestrator is unreachable or every provider failed.
            """
    )

    @Argument(help: "What to ask.")
    var prompt: String

    @Option(help: "An alias of `models:`, a worker type, or <worker type>/<model>.")
    var model: String

    @Option(help: "A system message before the prompt.")
    var system: String?

    @Option(help: "The most tokens the answer may have.")
    var maxTokens: Int?

    @Option(help: "Sampling temperature, 0 to 2.")
    var temperature: Double?

    @Option(help: "1 (low) to 10 (urgent); default 5.")
    var priority: Int?

    @Flag(help: "Print the whole chat.completion as JSON instead of streaming the text.")
    var json = false

    @OptionGroup var options: ClientOptions

    func run() async throws {
        var messages: [JSONValue] = []
        if let system { messages.append(["role": "system", "content": .string(system)]) }
        messages.append(["role": "user", "content": .string(prompt)])
        var request: [String: JSONValue] = ["model": .string(model), "messages": .array(messages)]
        if let maxTokens { request["max_tokens"] = JSONValue(maxTokens) }
        if let temperature { request["temperature"] = .number(temperature) }
        let headers = priority.map { [HTTPHeader(name: "x-d8-priority", value: "\($0)")] } ?? []
        let api = ChatAPI(orchestrators: try options.orchestrators())
        if json {
            print(try Self.outcome(api.complete(.object(request), headers: headers)).jsonString)
            return
        }
        request["stream_options"] = ["include_usage": true]
        let end = try Self.outcome(api.stream(.object(request), headers: headers) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        })
        print()
        if isatty(STDERR_FILENO) != 0 { printError(Self.summary(end)) }
    }

    /// "task 1f2e… · groq · 12+30 tokens · $0.000031"
    static func summary(_ end: ChatAPI.StreamEnd) -> String {
        var parts = ["task \(end.taskID ?? "?")"]
        if let type = end.workerType { parts.append(type) }
        if let usage = end.usage {
            parts.append("\(usage["prompt_tokens"]?.intValue ?? 0)+\(usage["completion_tokens"]?.intValue ?? 0) tokens")
            if let cost = usage["cost_usd"]?.doubleValue { parts.append("$\(cost)") }
        }
        if let reason = end.finishReason, reason != "stop" { parts.append("finish: \(reason)") }
        return parts.joined(separator: " · ")
    }

    /// A refusal ends the command with its words and d8's exit status for it.
    static func outcome<T>(_ result: Result<T, APICallError>) throws -> T {
        switch result {
        case let .success(value): return value
        case let .failure(error):
            printError("error: \(error.status.map { "\($0): " } ?? "")\(Self.words(error))")
            throw (error.status.map { (400..<500).contains($0) } ?? false) ? ClientExit.usage : ClientExit.unreachable
        }
    }

    static func words(_ error: APICallError) -> String {
        switch error {
        case let .rejected(_, _, message): message
        case .unreachable: error.description
        }
    }
}
