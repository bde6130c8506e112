import D8JSON

/// One chat turn. System text travels apart (`ChatRequest.system`) because Claude and Gemini
/// take it outside the message list.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case user, assistant, tool }
    public let role: Role
    /// Text parts are joined with a newline; empty for an assistant turn that only calls tools.
    public let content: String
    /// An assistant turn's tool calls.
    public var toolCalls: [ToolCall]
    /// A tool turn answers this call.
    public var toolCallID: String?

    public init(_ role: Role, _ content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }
}

/// A provider-neutral chat request: what every codec turns into its own wire format. Fields past
/// `maxTokens` come only from `chat` tasks (OpenAI's names); a codec that cannot honour one that
/// is set refuses the request naming it.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var system: String?
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var maxTokens: Int
    public var topP: Double?
    public var stop: [String] = []
    public var seed: Int?
    /// response_format {"type":"json_object"}.
    public var jsonObject = false
    public var tools: [ToolDefinition] = []
    public var toolChoice: ToolChoice?

    public init(model: String, system: String?, messages: [ChatMessage], temperature: Double?, maxTokens: Int) {
        self.model = model
        self.system = system
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    /// The text the model reads, for estimating input tokens when the provider has not counted.
    var promptBytes: Int {
        (system?.utf8.count ?? 0) + messages.reduce(0) { sum, message in
            sum + message.content.utf8.count + message.toolCalls.reduce(0) { $0 + $1.name.utf8.count + $1.arguments.utf8.count }
        }
    }
}
