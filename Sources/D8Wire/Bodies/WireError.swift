import D8Core

/// A body that is not what the protocol says, in words that name the field. The server answers
/// it as a 400 with `code`; the client reports it as an answer it cannot use.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missingField = "missing_field"
        case invalidField = "invalid_field"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    public static func missing(_ field: String) -> WireError { WireError(.missingField, "missing field '\(field)'") }

    public static func invalid(_ field: String, _ expected: String, got value: JSONValue) -> WireError {
        WireError(.invalidField, "field '\(field)' must be \(expected), got \(value.kindDescription)")
    }

    /// The same error about one element of a list: "tasks[3]: missing field 'type'".
    public func at(_ list: String, _ index: Int) -> WireError { WireError(code, "\(list)[\(index)]: \(message)") }
}
