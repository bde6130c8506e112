import D8Contracts
import D8JSON

/// One piece of a streamed answer, in OpenAI's chat.completion.chunk delta shape: what
/// `execute_stream` hands the host through emit_delta.
public enum ChatDelta: Sendable, Equatable {
    /// Text: {"content":"Hel"}.
    case content(String)
    /// The first delta of a tool call, with its id and name, and the arguments when they come
    /// whole (Gemini, Ollama); later pieces of the arguments come as `toolArguments`.
    case toolCallStart(index: Int, id: String, name: String, arguments: String)
    /// More of a tool call's arguments (a JSON text, split anywhere).
    case toolArguments(index: Int, piece: String)

    public var json: JSONValue {
        switch self {
        case let .content(text):
            return ["content": .string(text)]
        case let .toolCallStart(index, id, name, arguments):
            return ["tool_calls": [["index": JSONValue(index), "id": .string(id), "type": "function",
                                    "function": ["name": .string(name), "arguments": .string(arguments)]]]]
        case let .toolArguments(index, piece):
            return ["tool_calls": [["index": JSONValue(index), "function": ["arguments": .string(piece)]]]]
        }
    }

    /// A whole result as one delta (for plugins that do not stream).
    public static func wholeAnswer(_ result: JSONValue) -> JSONValue { WholeAnswerDelta.of(result) }

    /// A result kept as the details of a failure (a cancelled stream): its usage and cost count,
    /// its success does not.
    public static func spentOnly(_ result: JSONValue) -> JSONValue {
        var details = result.objectValue ?? [:]
        details["success"] = false
        return .object(details)
    }
}
