/// Typed scalars. Each returns nil when the key is absent (or removed by an unset variable),
/// so callers keep their default: `if let v = try r.int(...) { x = v }`.
extension ConfigReader {
    mutating func string(_ field: ConfigField?, required: Bool = false) throws(ConfigError) -> String? {
        guard let field, let text = try text(field, expected: "a string", required: required) else { return nil }
        if text.isEmpty { throw error(field, "must not be empty") }
        return text
    }

    /// Quoted numbers are fine too, so `"${PORT}"` works.
    mutating func int(_ field: ConfigField?, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let field, let text = try text(field, expected: "an integer") else { return nil }
        guard let n = Int(text) else { throw error(field, "expected an integer, got \(Self.shown(text, field))") }
        guard range.contains(n) else {
            let (low, high) = (range.lowerBound, range.upperBound)
            throw error(field, "must be \(high == .max ? "at least \(low)" : "from \(low) to \(high)"), got \(n)")
        }
        return n
    }

    mutating func nonNegative(_ field: ConfigField?) throws(ConfigError) -> Double? {
        guard let field, let text = try text(field, expected: "a number") else { return nil }
        guard case let .number(n) = Self.resolvePlain(text) else {
            throw error(field, "expected a number, got \(Self.shown(text, field))")
        }
        guard n >= 0 else { throw error(field, "must be at least 0, got \(text)") }
        return n
    }

    mutating func bool(_ field: ConfigField?) throws(ConfigError) -> Bool? {
        guard let field, let text = try text(field, expected: "true or false") else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(field, "expected true or false, got \(Self.shown(text, field))")
        }
    }

    /// A positive duration with a unit.
    mutating func duration(_ field: ConfigField?) throws(ConfigError) -> Duration? {
        guard let field, let text = try text(field, expected: "a duration") else { return nil }
        let expected = "expected a duration such as 500ms, 30s, 2m, 1h or 7d"
        if case .number = Self.resolvePlain(text) {
            throw error(field, "\(expected), got the bare number \(text): add a unit, e.g. \(text)s")
        }
        guard let duration = ConfigUnits.duration(text) else {
            throw error(field, "\(expected), got \(Self.shown(text, field))")
        }
        guard duration > .zero else { throw error(field, "must be longer than 0, got \(text)") }
        return duration
    }

    /// A positive byte count: plain, or with `KiB`, `MiB` or `GiB`.
    mutating func size(_ field: ConfigField?) throws(ConfigError) -> Int? {
        guard let field, let text = try text(field, expected: "a size") else { return nil }
        guard let bytes = ConfigUnits.size(text) else {
            let expected = "expected a size in bytes such as 1048576, 512KiB or 1MiB"
            throw error(field, "\(expected), got \(Self.shown(text, field))")
        }
        guard bytes > 0 else { throw error(field, "must be more than 0 bytes, got \(text)") }
        return bytes
    }
}
