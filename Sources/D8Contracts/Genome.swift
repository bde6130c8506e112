import D8JSON

/// Finding and checking the child genome in an evolution answer. Models wrap JSON in ```json
/// fences or prose, so the answer is searched for JSON objects rather than parsed whole.
public enum Genome {
    /// Every top-level JSON object in `text`, in order. A `{` that does not start a valid object
    /// (prose, a brace inside a string) is skipped, so fences and chatter around it do no harm.
    public static func candidates(in text: String) -> [JSONValue] {
        let bytes = Array(text.utf8)
        var found: [JSONValue] = []
        var start = 0
        while let open = bytes[start...].firstIndex(of: UInt8(ascii: "{")) {
            if let end = matchingBrace(bytes, from: open), let object = try? JSONValue.parse(bytes[open...end]), case .object = object {
                found.append(object)
                start = end + 1
            } else {
                start = open + 1
            }
        }
        return found
    }

    /// The child in `text` that matches `parent`; when none does, the problem with the first
    /// candidate (the likeliest intended answer).
    public static func child(in text: String, matching parent: [String: JSONValue]) throws(Problem) -> JSONValue {
        let found = candidates(in: text)
        guard !found.isEmpty else { throw Problem("no JSON object in the answer") }
        var firstProblem: Problem?
        for candidate in found {
            do throws(Problem) {
                try check(candidate, against: parent)
                return candidate
            } catch {
                firstProblem = firstProblem ?? error
            }
        }
        throw firstProblem!
    }

    /// Same keys as the parent, and each value of the same JSON kind (int and float are both numbers).
    public static func check(_ child: JSONValue, against parent: [String: JSONValue]) throws(Problem) {
        guard let members = child.objectValue else { throw Problem("child genome should be an object, got \(child.kindDescription)") }
        for key in parent.keys.sorted() {
            guard let value = members[key] else { throw Problem("child genome lacks key '\(key)'") }
            let expected = parent[key]!
            guard kind(of: value) == kind(of: expected) else {
                throw Problem("child genome key '\(key)' should be \(expected.kindDescription), got \(value.kindDescription)")
            }
        }
        if let extra = members.keys.sorted().first(where: { parent[$0] == nil }) {
            throw Problem("child genome has unexpected key '\(extra)'")
        }
    }

    public struct Problem: Error, Equatable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The index of the `}` closing the object that opens at `open`, skipping string contents.
    static func matchingBrace(_ bytes: [UInt8], from open: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for i in open..<bytes.count {
            let byte = bytes[i]
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 { return i }
            default: break
            }
        }
        return nil
    }

    private static func kind(of value: JSONValue) -> Int {
        switch value {
        case .null: 0
        case .bool: 1
        case .number: 2
        case .string: 3
        case .array: 4
        case .object: 5
        }
    }
}
