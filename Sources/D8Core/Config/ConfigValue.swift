/// A free-form config value (plugin and task type settings, budgets); plain JSON when encoded.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([ConfigValue])
    case map([String: ConfigValue])
    case null

    public var stringValue: String? { if case let .string(s) = self { s } else { nil } }
    public var doubleValue: Double? { if case let .number(n) = self { n } else { nil } }
    public var boolValue: Bool? { if case let .bool(b) = self { b } else { nil } }
}

extension ConfigValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let l = try? c.decode([ConfigValue].self) { self = .list(l) }
        else { self = .map(try c.decode([String: ConfigValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .string(s): try container.encode(s)
        case let .number(n): try container.encode(n)
        case let .bool(b): try container.encode(b)
        case let .list(l): try container.encode(l)
        case let .map(m): try container.encode(m)
        case .null: try container.encodeNil()
        }
    }
}

extension ConfigValue {
    /// The same value as JSON: what a plugin's `create` receives.
    public var jsonValue: JSONValue {
        switch self {
        case let .string(s): .string(s)
        case let .number(n): .number(n)
        case let .bool(b): .bool(b)
        case let .list(l): .array(l.map(\.jsonValue))
        case let .map(m): .object(m.mapValues(\.jsonValue))
        case .null: .null
        }
    }
}
