import Yams

/// Reads typed values out of the YAML node tree: substitutes `${VAR}`s, checks types and ranges,
/// and collects warnings. Every error and warning carries the file, line and key path.
struct ConfigReader {
    let file: String
    let environment: [String: String]
    var notes: [(line: Int, text: String)] = []

    /// In line order, whatever order the sections were read in.
    var warnings: [String] {
        notes.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.text)
    }

    func error(_ field: ConfigField, _ message: String) -> ConfigError {
        ConfigError(file: file, line: field.line, key: field.path, message: message)
    }

    mutating func warn(_ field: ConfigField, line: Int?, _ message: String) {
        notes.append((line ?? 0, ConfigError(file: file, line: line, key: field.path, message: message).description))
    }

    /// A mapping's entries in file order (absent or null: none); names outside `known` get a warning.
    mutating func fields(_ field: ConfigField?, known: [String]?) throws(ConfigError) -> [ConfigField] {
        guard let field, !field.isNull else { return [] }
        guard case let .mapping(mapping) = field.node else {
            throw error(field, "expected a mapping, got \(field.kind)")
        }
        var out: [ConfigField] = []
        for (key, value) in mapping {
            let child = field.child(key.scalar?.string ?? "", value, keyLine: key.mark?.line)
            if let known, !known.contains(child.name) {
                warn(child, line: child.keyLine, "unknown key (known: \(known.sorted().joined(separator: ", ")))")
            }
            out.append(child)
        }
        return out
    }

    /// A list's items; nil when absent or null.
    func items(_ field: ConfigField?) throws(ConfigError) -> [ConfigField]? {
        guard let field, !field.isNull else { return nil }
        guard case let .sequence(list) = field.node else { throw error(field, "expected a list, got \(field.kind)") }
        return list.enumerated().map { field.item($0.offset, $0.element) }
    }

    /// A scalar's text after substitution; nil when absent, null, or removed by an unset variable
    /// (with a warning). When `required`, an unset variable or a null is an error instead.
    mutating func text(_ field: ConfigField?, expected: String, required: Bool = false) throws(ConfigError) -> String? {
        guard let field else { return nil }
        guard case let .scalar(scalar) = field.node else {
            throw error(field, "expected \(expected), got \(field.kind)")
        }
        guard !field.isNull else {
            if required { throw error(field, "is required but empty") }
            return nil
        }
        let outcome: EnvironmentSubstitution.Outcome
        do {
            outcome = try EnvironmentSubstitution.apply(scalar.string, environment: environment)
        } catch {
            throw self.error(field, error.message)
        }
        switch outcome {
        case let .value(value): return value
        case let .unset(variable) where required: throw error(field, "is required but ${\(variable)} is not set")
        case let .unset(variable):
            warn(field, line: field.line, "${\(variable)} is not set, so this key is left out")
            return nil
        }
    }

    /// A free-form value (settings, budgets). Plain scalars are typed as YAML reads them, after substitution.
    mutating func value(_ field: ConfigField) throws(ConfigError) -> ConfigValue? {
        switch field.node {
        case let .scalar(scalar):
            if field.isNull { return .null }
            guard let text = try text(field, expected: "a value") else { return nil }
            return scalar.style == .plain ? Self.resolvePlain(text) : .string(text)
        case .sequence:
            var list: [ConfigValue] = []
            for item in try items(field) ?? [] { try value(item).map { list.append($0) } }
            return .list(list)
        default:
            var map: [String: ConfigValue] = [:]
            for child in try fields(field, known: nil) { map[child.name] = try value(child) }
            return .map(map)
        }
    }

    /// The value as a message may quote it: a secret's is never shown.
    static func shown(_ text: String, _ field: ConfigField) -> String {
        field.isSecret ? "a value (hidden, as \(field.name) is secret)" : "\"\(text)\""
    }

    /// YAML 1.2 core schema: `true`/`false`, null, integers and decimals; everything else stays a string.
    static func resolvePlain(_ text: String) -> ConfigValue {
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case _ where ConfigField.nulls.contains(text): return .null
        default:
            let numeric = text.first.map { $0.isNumber || "+-.".contains($0) } == true
                && text.allSatisfy { ($0.isASCII && $0.isNumber) || "+-.eE".contains($0) }
            if numeric, let n = Double(text), n.isFinite { return .number(n) }
            return .string(text)
        }
    }
}
