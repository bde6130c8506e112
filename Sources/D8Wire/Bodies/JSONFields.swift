import D8Core

/// Typed reads of a body's fields, each failing with a message that names the field.
extension Dictionary where Key == String, Value == JSONValue {
    public func requiredString(_ field: String) throws(WireError) -> String {
        guard let value = self[field], value != .null else { throw .missing(field) }
        guard let string = value.stringValue, !string.isEmpty else { throw .invalid(field, "a non-empty string", got: value) }
        return string
    }

    public func optionalString(_ field: String, maxLength: Int = 256) throws(WireError) -> String? {
        guard let value = self[field], value != .null else { return nil }
        guard let string = value.stringValue, !string.isEmpty, string.count <= maxLength else {
            throw .invalid(field, "a non-empty string of at most \(maxLength) characters", got: value)
        }
        return string
    }

    public func requiredObject(_ field: String) throws(WireError) -> JSONValue {
        guard let value = self[field], value != .null else { throw .missing(field) }
        guard case .object = value else { throw .invalid(field, "a JSON object", got: value) }
        return value
    }

    public func optionalObject(_ field: String) throws(WireError) -> JSONValue? {
        guard let value = self[field], value != .null else { return nil }
        guard case .object = value else { throw .invalid(field, "a JSON object", got: value) }
        return value
    }

    /// An optional amount of US dollars: a number, at least 0.
    public func optionalUSD(_ field: String) throws(WireError) -> Double? {
        guard let value = self[field], value != .null else { return nil }
        guard let amount = value.doubleValue, amount.isFinite, amount >= 0 else {
            throw WireError(.invalidField, "'\(field)' must be a number of US dollars, at least 0")
        }
        return amount
    }

    /// An optional positive number of seconds (`deadline`, `deadline_in`).
    public func optionalSeconds(_ field: String) throws(WireError) -> Double? {
        guard let value = self[field], value != .null else { return nil }
        guard let seconds = value.doubleValue, seconds.isFinite, seconds > 0 else {
            throw WireError(.invalidField, "'\(field)' must be a positive number of seconds, got \(value.jsonString)")
        }
        return seconds
    }

    public func optionalBool(_ field: String) throws(WireError) -> Bool? {
        guard let value = self[field], value != .null else { return nil }
        guard let flag = value.boolValue else { throw .invalid(field, "true or false", got: value) }
        return flag
    }

    /// A deadline as `deadline` (Unix seconds) or `deadline_in` (seconds from now), not both.
    public func optionalDeadline() throws(WireError) -> Deadline? {
        switch (try optionalSeconds("deadline"), try optionalSeconds("deadline_in")) {
        case (nil, nil): nil
        case let (at?, nil): .at(at)
        case let (nil, seconds?): .in(seconds)
        case (_?, _?): throw WireError(.invalidField, "give 'deadline' (Unix seconds) or 'deadline_in' (seconds from now), not both")
        }
    }

    /// Priorities are integers from 1 (low) to 10 (urgent).
    public func optionalPriority(_ field: String = "priority") throws(WireError) -> Int? {
        guard let value = self[field], value != .null else { return nil }
        guard let p = value.intValue, TaskPriority.range.contains(p) else {
            let shown = value.doubleValue.map { "\($0)" } ?? value.kindDescription
            throw WireError(.invalidField, "field '\(field)' must be an integer from 1 to 10, got \(shown)")
        }
        return p
    }

    /// A list of 1 to `limit` JSON objects, each handed to `decode`; an error names the element.
    public func objects<T>(_ field: String, limit: Int, what: String, _ decode: ([String: JSONValue]) throws(WireError) -> T) throws(WireError) -> [T] {
        guard let value = self[field] else { throw .missing(field) }
        guard let list = value.arrayValue, !list.isEmpty, list.count <= limit else {
            throw WireError(.invalidField, "field '\(field)' must be an array of 1 to \(limit) \(what) objects")
        }
        var decoded: [T] = []
        decoded.reserveCapacity(list.count)
        for (index, element) in list.enumerated() {
            guard let object = element.objectValue else {
                throw WireError(.invalidField, "\(field)[\(index)] must be a JSON object, got \(element.kindDescription)")
            }
            do throws(WireError) { decoded.append(try decode(object)) } catch { throw error.at(field, index) }
        }
        return decoded
    }
}
