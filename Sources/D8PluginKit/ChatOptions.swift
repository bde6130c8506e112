import D8JSON

/// The sampling, format and tool fields of a `chat` task, read from OpenAI's names.
public struct ChatOptions: Sendable, Equatable {
    public var topP: Double?
    public var stop: [String] = []
    public var seed: Int?
    public var jsonObject = false
    public var tools: [ToolDefinition] = []
    public var toolChoice: ToolChoice?

    public init() {}

    func apply(to chat: inout ChatRequest) {
        chat.topP = topP
        chat.stop = stop
        chat.seed = seed
        chat.jsonObject = jsonObject
        chat.tools = tools
        chat.toolChoice = toolChoice
    }

    typealias Problem = TaskPrompt.Problem

    static func read(_ fields: TaskFields) throws(Problem) -> ChatOptions {
        var options = ChatOptions()
        options.topP = try fields.optionalNumber("top_p")
        options.seed = try fields.optionalInteger("seed")
        options.stop = try stop(fields.data["stop"])
        options.jsonObject = try jsonObject(fields.data["response_format"])
        options.tools = try tools(fields.data["tools"])
        options.toolChoice = try toolChoice(fields.data["tool_choice"])
        return options
    }

    /// A list of strings, or OpenAI's single string.
    static func stop(_ value: JSONValue?) throws(Problem) -> [String] {
        switch value {
        case nil, .null?: return []
        case let .string(text)?: return [text]
        case let .array(items)?:
            var stops: [String] = []
            for (i, item) in items.enumerated() {
                guard let text = item.stringValue else { throw Problem("data.stop[\(i)] must be a string, got \(item.kindDescription)") }
                stops.append(text)
            }
            return stops
        case let other?: throw Problem("data.stop must be a list of strings, got \(other.kindDescription)")
        }
    }

    /// {"type":"json_object"} asks for JSON; {"type":"text"} is the default.
    static func jsonObject(_ value: JSONValue?) throws(Problem) -> Bool {
        guard let value, value != .null else { return false }
        switch value["type"]?.stringValue {
        case "json_object": return true
        case "text": return false
        case let other?: throw Problem("data.response_format.type '\(other)' is not supported")
        case nil: throw Problem("data.response_format must be an object with a type")
        }
    }

    static func tools(_ value: JSONValue?) throws(Problem) -> [ToolDefinition] {
        guard let value, value != .null else { return [] }
        guard let list = value.arrayValue else { throw Problem("data.tools must be an array, got \(value.kindDescription)") }
        var tools: [ToolDefinition] = []
        for (i, tool) in list.enumerated() {
            let field = "data.tools[\(i)]"
            guard tool["type"] == "function" else { throw Problem("\(field).type '\(tool["type"]?.stringValue ?? "none")' is not supported") }
            guard let function = tool["function"], let name = function["name"]?.stringValue, !name.isEmpty else {
                throw Problem("\(field).function.name must be a non-empty string")
            }
            let parameters = function["parameters"].flatMap { $0 == .null ? nil : $0 }
            if let parameters, parameters.objectValue == nil { throw Problem("\(field).function.parameters must be an object") }
            tools.append(ToolDefinition(name: name, description: function["description"]?.stringValue, parameters: parameters))
        }
        return tools
    }

    static func toolChoice(_ value: JSONValue?) throws(Problem) -> ToolChoice? {
        switch value {
        case nil, .null?: return nil
        case "auto"?: return .auto
        case "none"?: return ToolChoice.none
        case "required"?: return .required
        case let choice? where choice["type"] == "function":
            guard let name = choice["function"]?["name"]?.stringValue else { throw Problem("data.tool_choice.function.name must be a string") }
            return .function(name)
        case let other?: throw Problem("data.tool_choice must be auto, none, required or a function, got \(other.jsonString)")
        }
    }
}
