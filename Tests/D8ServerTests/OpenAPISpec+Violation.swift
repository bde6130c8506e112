import D8Core

extension APISpec.Schema {
    /// Why `value` certainly breaks this schema, or nil when it may be valid: not an object
    /// where one is wanted, a required member missing, or a declared member of the wrong JSON
    /// kind. Checked only where the answer is certain (unknown members, ranges and free-form
    /// members are left alone), so a nil promises nothing.
    func violation(in value: JSONValue) -> String? {
        guard type == "object" || !properties.isEmpty else { return nil }
        guard case let .object(members) = value else { return "not an object" }
        if let missing = required.sorted().first(where: { members[$0] == nil || members[$0] == .null }) { return "without \(missing)" }
        for (name, schema) in properties {
            guard let member = members[name], member != .null, let type = schema.type else { continue }
            if !Self.kind(of: member, fits: type) { return "with \(name) not of type \(type)" }
        }
        return nil
    }

    private static func kind(of value: JSONValue, fits type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("object", .object), ("array", .array), ("number", .number): true
        case let ("integer", .number(x)): x.rounded() == x || !x.isFinite
        case ("string", _), ("boolean", _), ("object", _), ("array", _), ("number", _), ("integer", _): false
        default: true // a type this check does not know
        }
    }
}
