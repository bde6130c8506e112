import Yams

/// A value in the config file: its name, its dotted path (for messages) and its YAML node (for the line).
struct ConfigField {
    static let nulls: Set = ["", "~", "null", "Null", "NULL"]

    let name: String
    let path: String
    let node: Node
    /// Where the key was written; unknown-key warnings point here.
    let keyLine: Int?

    var line: Int? { node.mark?.line ?? keyLine }

    func child(_ name: String, _ node: Node, keyLine: Int?) -> ConfigField {
        ConfigField(name: name, path: path.isEmpty ? name : "\(path).\(name)", node: node, keyLine: keyLine)
    }

    func item(_ index: Int, _ node: Node) -> ConfigField {
        ConfigField(name: name, path: "\(path)[\(index)]", node: node, keyLine: node.mark?.line)
    }

    /// Written as nothing, `~` or `null` (unquoted): the same as not written.
    var isNull: Bool {
        guard case let .scalar(s) = node, s.style == .plain else { return false }
        return Self.nulls.contains(s.string)
    }

    var kind: String {
        switch node {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Secrets' values must never reach a message; this errs on the side of hiding.
    var isSecret: Bool {
        let n = name.lowercased()
        return n == "key" || ["api_key", "apikey", "token", "secret", "password"].contains { n.contains($0) }
    }
}

extension [ConfigField] {
    subscript(_ name: String) -> ConfigField? { first { $0.name == name } }
}
