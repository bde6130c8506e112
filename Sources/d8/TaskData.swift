import ArgumentParser
import D8Core
import Foundation

/// The `data` object of a task, from `--data`, `--prompt` or `--file`.
enum TaskData {
    /// A prompt in the shape the task type reads: chat messages for `agent_action`, else `prompt`.
    static func prompt(_ text: String, type: String) -> JSONValue {
        type == "agent_action"
            ? ["messages": [["role": "user", "content": .string(text)]]]
            : ["prompt": .string(text)]
    }

    static func parse(_ text: String, option: String = "--data") throws -> JSONValue {
        do {
            return try object(JSONValue.parse(text), from: option)
        } catch let error as JSONParseError {
            throw ValidationError("\(option) is not valid JSON: \(error.reason)")
        }
    }

    /// The file's JSON; a parse error names the file and the line (and column) it stopped at.
    static func read(file path: String) throws -> JSONValue {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the data file \(path)")
        }
        do {
            return try object(JSONValue.parse(bytes), from: path)
        } catch let error as JSONParseError {
            throw ValidationError("invalid JSON in \(path) \(location(of: error, in: Array(bytes)))")
        }
    }

    private static func object(_ value: JSONValue, from origin: String) throws -> JSONValue {
        guard value.objectValue != nil else { throw ValidationError("the data in \(origin) must be a JSON object, got \(value.kindDescription)") }
        return value
    }

    /// "at line L, column C: <reason>", from the parser's "… at byte N".
    static func location(of error: JSONParseError, in bytes: [UInt8]) -> String {
        guard let range = error.reason.range(of: " at byte ", options: .backwards),
              let offset = Int(error.reason[range.upperBound...]) else { return ": \(error.reason)" }
        let before = bytes.prefix(min(offset, bytes.count))
        let line = before.count { $0 == UInt8(ascii: "\n") } + 1
        let column = before.count - (before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
        return "at line \(line), column \(column): \(error.reason[..<range.lowerBound])"
    }
}
