import Yams

/// Reads typed values out of the YAML node tree: substitutes `${VAR}`s, checks types and ranges,
/// and collects warnings. Every error and warning carries the file, line and key path.
struct ConfigReader {
    let file: String
    let environment: [String: String]
    private var notes: [(line: Int, text: String)] = []

    /// In line order, whatever order the sections were read in.
    var warnings: [String] {
        notes.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.text)
    }

    init(file: String, environment: [String: String]) {
        self.file = file
        self.environment = environment
    }

    func error(_ field: ConfigField, _ message: String) -> ConfigError {
        ConfigError(file: file, line: field.line, key: field.path, message: message)
    }

    mutating func warn(_ path: String, line: Int?, _ message: String) {
        notes.append((line ?? 0, ConfigError(file: file, line: line, key: path, message: message).description))
    }

    /// The entries of a mapping, in file order; absent or null is empty.
    /// Names outside `known` get a warning (nil: any name is welcome).
    mutating func fields(_ field: ConfigField?, known: [String]?) throws(ConfigError) -> [ConfigField] {
        guard let field, !Self.isNull(field.node) else { return [] }
        guard case let .mapping(mapping) = field.node else {
            throw error(field, "expected a mapping, got \(Self.kind(field.node))")
        }
        var out: [ConfigField] = []
        for (key, value) in mapping {
            guard case let .scalar(name) = key else {
                throw error(field, "expected a name as key, got \(Self.kind(key))")
            }
            let child = field.child(name.string, value, keyLine: key.mark?.line)
            if let known, !known.contains(name.string) {
                warn(child.path, line: child.keyLine, "unknown key (known: \(known.sorted().joined(separator: ", ")))")
            }
            out.append(child)
        }
        return out
    }

    /// The items of a list; nil when absent or null.
    func items(_ field: ConfigField?) throws(ConfigError) -> [ConfigField]? {
        guard let field, !Self.isNull(field.node) else { return nil }
        guard case let .sequence(sequence) = field.node else {
            throw error(field, "expected a list, got \(Self.kind(field.node))")
        }
        return sequence.enumerated().map { field.item($0.offset, $0.element) }
    }

    /// A scalar's text after substitution; nil when absent, null, or removed by an unset variable.
    /// When `required`, an unset variable or a null is an error instead.
    mutating func text(_ field: ConfigField?, expected: String, required: Bool = false) throws(ConfigError) -> String? {
        guard let field else { return nil }
        guard case let .scalar(scalar) = field.node else {
            throw error(field, "expected \(expected), got \(Self.kind(field.node))")
        }
        if Self.isNull(field.node) {
            if required { throw error(field, "is required but empty") }
            return nil
        }
        return try substitute(scalar.string, field, required: required)
    }

    private mutating func substitute(_ text: String, _ field: ConfigField, required: Bool) throws(ConfigError) -> String? {
        let outcome: EnvironmentSubstitution.Outcome
        do {
            outcome = try EnvironmentSubstitution.apply(text, environment: environment)
        } catch {
            throw self.error(field, error.message)
        }
        switch outcome {
        case let .value(value):
            return value
        case let .unset(variable) where required:
            throw error(field, "is required but ${\(variable)} is not set")
        case let .unset(variable):
            warn(field.path, line: field.line, "${\(variable)} is not set, so this key is left out")
            return nil
        }
    }

    /// A free-form value (settings, budgets). Plain scalars become numbers, booleans or null as YAML reads them.
    mutating func value(_ field: ConfigField) throws(ConfigError) -> ConfigValue? {
        switch field.node {
        case let .scalar(scalar):
            if Self.isNull(field.node) { return .null }
            guard let text = try substitute(scalar.string, field, required: false) else { return nil }
            return scalar.style == .plain ? Self.resolvePlain(text) : .string(text)
        case .sequence:
            var list: [ConfigValue] = []
            for item in try items(field) ?? [] {
                if let v = try value(item) { list.append(v) }
            }
            return .list(list)
        case .mapping:
            var map: [String: ConfigValue] = [:]
            for child in try fields(field, known: nil) { map[child.name] = try value(child) }
            return .map(map)
        case .alias:
            throw error(field, "YAML aliases are not supported here")
        }
    }

    /// The value as a message may quote it: secrets are never shown.
    static func shown(_ text: String, _ field: ConfigField) -> String {
        field.isSecret ? "a value (hidden, as \(field.name) is secret)" : "\"\(text)\""
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(s) = node, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// YAML 1.2 core schema: `true`/`false`, integers and decimals; everything else stays a string.
    static func resolvePlain(_ text: String) -> ConfigValue {
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "", "~", "null", "Null", "NULL": return .null
        default:
            let numeric = text.first.map { $0.isNumber || "+-.".contains($0) } == true
                && text.allSatisfy { ($0.isASCII && $0.isNumber) || "+-.eE".contains($0) }
            if numeric, let n = Double(text), n.isFinite { return .number(n) }
            return .string(text)
        }
    }
}
