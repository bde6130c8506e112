import D8Contracts
import D8JSON

/// What a task asks of the model: the chat to send, the overrides it carries and, for evolution
/// tasks, the parent genome the answer must match. Built from the leased task object.
public struct TaskPrompt: Sendable, Equatable {
    public let taskType: String
    public var system: String?
    public var messages: [ChatMessage]
    public var model: String?
    public var temperature: Double?
    public var maxTokens: Int?
    /// Set for evolution tasks: the child genome must have this parent's keys and value kinds.
    public var parentGenome: [String: JSONValue]?
    /// What only `chat` tasks carry (top_p, stop, seed, response_format, tools, tool_choice).
    public var options = ChatOptions()

    /// The chat request, with the worker type's defaults where the task sets nothing.
    public func request(defaultModel: String, defaultMaxTokens: Int) -> ChatRequest {
        var chat = ChatRequest(model: model ?? defaultModel, system: system, messages: messages, temperature: temperature, maxTokens: maxTokens ?? defaultMaxTokens)
        options.apply(to: &chat)
        return chat
    }

    /// A task that cannot be run as written (permanent: retrying would not help).
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// Reads the task object; every missing or wrongly typed field is named in the problem.
    public static func build(task: JSONValue) throws(Problem) -> TaskPrompt {
        guard let type = task["type"]?.stringValue else { throw Problem("the task has no \"type\" string") }
        guard let data = task["data"]?.objectValue else { throw Problem("the task has no \"data\" object") }
        let fields = TaskFields(data)
        var prompt: TaskPrompt
        switch type {
        case _ where isChat(type): prompt = try chat(type, fields)
        case "agent_action": prompt = try messagesPrompt(type, fields)
        case "code_generation": prompt = try codeGeneration(fields)
        case "evolution_crossover": prompt = try crossover(fields)
        case "evolution_mutation": prompt = try mutation(fields)
        default:
            guard data["messages"] != nil || data["prompt"] != nil else { throw Problem("task type '\(type)' needs data.messages or data.prompt") }
            prompt = data["messages"] != nil ? try messagesPrompt(type, fields) : TaskPrompt(taskType: type, messages: [ChatMessage(.user, try fields.string("prompt"))])
        }
        prompt.model = try fields.optionalString("model")
        prompt.temperature = try fields.optionalNumber("temperature")
        prompt.maxTokens = try fields.optionalPositiveInteger("max_tokens") ?? prompt.maxTokens // chat: max_completion_tokens
        return prompt
    }

    init(taskType: String, system: String? = nil, messages: [ChatMessage], parentGenome: [String: JSONValue]? = nil) {
        self.taskType = taskType
        self.system = system
        self.messages = messages
        self.parentGenome = parentGenome
    }
}

extension TaskPrompt {
    /// data.messages as given; system messages are gathered into the system text.
    static func messagesPrompt(_ type: String, _ fields: TaskFields) throws(Problem) -> TaskPrompt {
        let list = try fields.array("messages")
        var system: [String] = []
        var messages: [ChatMessage] = []
        for (i, item) in list.enumerated() {
            let field = "data.messages[\(i)]"
            guard let role = item["role"]?.stringValue else { throw Problem("\(field).role must be a string") }
            guard let content = item["content"]?.stringValue else { throw Problem("\(field).content must be a string") }
            switch role {
            case "system": system.append(content)
            case "user": messages.append(ChatMessage(.user, content))
            case "assistant": messages.append(ChatMessage(.assistant, content))
            default: throw Problem("\(field).role must be system, user or assistant, got '\(role)'")
            }
        }
        guard !messages.isEmpty else { throw Problem("data.messages has no user or assistant message") }
        return TaskPrompt(taskType: type, system: system.isEmpty ? nil : system.joined(separator: "\n\n"), messages: messages)
    }

    static func codeGeneration(_ fields: TaskFields) throws(Problem) -> TaskPrompt {
        let request = try fields.string("prompt")
        let language = try fields.optionalString("language")
        let system = "You are an expert programmer. Write \(language.map { "\($0) code" } ?? "code in the most suitable language") for the request. "
            + "Answer with the complete code in one fenced code block, followed by nothing else."
        return TaskPrompt(taskType: "code_generation", system: system, messages: [ChatMessage(.user, request)])
    }

    static func crossover(_ fields: TaskFields) throws(Problem) -> TaskPrompt {
        let first = try fields.object("genome1"), second = try fields.object("genome2")
        if let odd = Set(first.keys).symmetricDifference(second.keys).sorted().first {
            throw Problem("genome1 and genome2 must have the same keys; '\(odd)' is only in \(first[odd] == nil ? "genome2" : "genome1")")
        }
        let system = "You breed genomes for an evolutionary search. Combine the two parent genomes into ONE child genome. "
            + Self.genomeRules
        let user = "Parent 1:\n\(JSONValue.object(first).jsonString)\n\nParent 2:\n\(JSONValue.object(second).jsonString)\n\nWrite the child genome."
        return TaskPrompt(taskType: "evolution_crossover", system: system, messages: [ChatMessage(.user, user)], parentGenome: first)
    }

    static func mutation(_ fields: TaskFields) throws(Problem) -> TaskPrompt {
        let genome = try fields.object("genome")
        let rate = try fields.optionalNumber("mutation_rate") ?? 0.1
        let system = "You mutate genomes for an evolutionary search. Change about \(Self.percent(rate)) of the values of the genome, keeping the changes plausible. "
            + Self.genomeRules
        let user = "Genome:\n\(JSONValue.object(genome).jsonString)\n\nWrite the mutated genome."
        return TaskPrompt(taskType: "evolution_mutation", system: system, messages: [ChatMessage(.user, user)], parentGenome: genome)
    }

    static let genomeRules = "Answer with ONE JSON object and nothing else: exactly the parent's keys, no more and no fewer, "
        + "and each value of the same JSON type as in the parent (number, string, boolean, array or object)."

    static func percent(_ rate: Double) -> String {
        let value = (rate * 100 * 10).rounded() / 10
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }
}
