/// One chat turn. System text travels apart (`ChatRequest.system`) because Claude and Gemini
/// take it outside the message list.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case user, assistant }
    public let role: Role
    public let content: String

    public init(_ role: Role, _ content: String) {
        self.role = role
        self.content = content
    }
}

/// A provider-neutral chat request: what every codec turns into its own wire format.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var system: String?
    public var messages: [ChatMessage]
    public var temperature: Double?
    public var maxTokens: Int

    public init(model: String, system: String?, messages: [ChatMessage], temperature: Double?, maxTokens: Int) {
        self.model = model
        self.system = system
        self.messages = messages
        self.temperature = temperature
        self.maxTokens = maxTokens
    }
}
