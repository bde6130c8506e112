import D8JSON

/// Typed reads of `task.data`, each failing with a message that names the field.
struct TaskFields {
    let data: [String: JSONValue]
    init(_ data: [String: JSONValue]) { self.data = data }

    typealias Problem = TaskPrompt.Problem

    func string(_ key: String) throws(Problem) -> String {
        guard let value = data[key], value != .null else { throw Problem("data.\(key) is missing") }
        guard let text = value.stringValue else { throw Problem("data.\(key) must be a string, got \(value.kindDescription)") }
        return text
    }

    func optionalString(_ key: String) throws(Problem) -> String? {
        guard let value = data[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw Problem("data.\(key) must be a string, got \(value.kindDescription)") }
        return text
    }

    func optionalNumber(_ key: String) throws(Problem) -> Double? {
        guard let value = data[key], value != .null else { return nil }
        guard let number = value.doubleValue else { throw Problem("data.\(key) must be a number, got \(value.kindDescription)") }
        return number
    }

    func optionalPositiveInteger(_ key: String) throws(Problem) -> Int? {
        guard let value = data[key], value != .null else { return nil }
        guard let number = value.intValue, number > 0 else { throw Problem("data.\(key) must be a positive integer, got \(value.jsonString)") }
        return number
    }

    func array(_ key: String) throws(Problem) -> [JSONValue] {
        guard let value = data[key], value != .null else { throw Problem("data.\(key) is missing") }
        guard let list = value.arrayValue else { throw Problem("data.\(key) must be an array, got \(value.kindDescription)") }
        return list
    }

    func object(_ key: String) throws(Problem) -> [String: JSONValue] {
        guard let value = data[key], value != .null else { throw Problem("data.\(key) is missing") }
        guard let object = value.objectValue else { throw Problem("data.\(key) must be an object, got \(value.kindDescription)") }
        return object
    }
}

extension TaskFields {
    func optionalInteger(_ key: String) throws(Problem) -> Int? {
        guard let value = data[key], value != .null else { return nil }
        guard let number = value.intValue else { throw Problem("data.\(key) must be an integer, got \(value.jsonString)") }
        return number
    }
}
