import D8JSON

/// A function call the model made, as OpenAI writes it: the arguments are a JSON text.
public struct ToolCall: Sendable, Equatable {
    public let id: String
    public let name: String
    public let arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }

    /// {"id","type":"function","function":{"name","arguments"}}: the result's shape.
    public var json: JSONValue {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }

    /// The arguments as an object, for providers that take them parsed (Gemini, Ollama).
    public func argumentsObject() throws(UnsupportedField) -> JSONValue {
        if arguments.trimmingWhitespace().isEmpty { return [:] }
        guard let value = try? JSONValue.parse(arguments), case .object = value else {
            throw UnsupportedField("tool call \(id): arguments that are not a JSON object")
        }
        return value
    }
}

/// A function the model may call (tools[].function of a request).
public struct ToolDefinition: Sendable, Equatable {
    public let name: String
    public let description: String?
    /// A JSON Schema object; nil when the function takes no parameters.
    public let parameters: JSONValue?

    public init(name: String, description: String?, parameters: JSONValue?) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }

    /// OpenAI's {"type":"function","function":{...}}, also Ollama's.
    public var openAIJSON: JSONValue {
        var function: [String: JSONValue] = ["name": .string(name)]
        if let description { function["description"] = .string(description) }
        if let parameters { function["parameters"] = parameters }
        return ["type": "function", "function": .object(function)]
    }
}

/// tool_choice: whether and which tool the model must call.
public enum ToolChoice: Sendable, Equatable {
    case auto, none, required
    case function(String)

    public var openAIJSON: JSONValue {
        switch self {
        case .auto: "auto"
        case .none: "none"
        case .required: "required"
        case let .function(name): ["type": "function", "function": ["name": .string(name)]]
        }
    }
}

/// A request field this provider cannot honour: the task fails naming it, rather than the
/// field being dropped.
public struct UnsupportedField: Error, Equatable, CustomStringConvertible {
    public let field: String
    public init(_ field: String) { self.field = field }
    public var description: String { "\(field) is not supported by this provider" }
}
