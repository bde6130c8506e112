import D8Core

/// An error in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, with its
/// HTTP status: what the official SDKs turn into their own exception classes.
public struct OpenAIError: Error, Sendable, Equatable, CustomStringConvertible {
    public let statusCode: Int
    public let message: String
    /// OpenAI's `type`: invalid_request_error, authentication_error, permission_error,
    /// not_found_error, rate_limit_error, timeout_error, api_error.
    public let type: String
    /// The request field at fault, when one is.
    public let param: String?
    public let code: String?
    /// Seconds until trying again makes sense (a spent budget: until the day resets).
    public var retryAfter: Int?

    public init(status: Int, _ message: String, type: String, param: String? = nil, code: String? = nil, retryAfter: Int? = nil) {
        self.statusCode = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }

    /// A 400 about one field of the request.
    public static func invalid(_ param: String?, _ message: String, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message, type: "invalid_request_error", param: param, code: code)
    }

    public var json: JSONValue {
        ["error": ["message": .string(message), "type": .string(type), "param": JSONValue(param), "code": JSONValue(code)]]
    }

    public var description: String { "\(statusCode) \(type): \(message)" }
}
