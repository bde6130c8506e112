import Foundation
import Testing
@testable import D8Core

@Suite("JSON parsing and writing")
struct JSONValueTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a": [1, -2.5, 3e2, 0, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == ["a": [1, -2.5, 300, 0, true, false, nil], "b": ["c": "d"], "e": ""])
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONValue.parse(#"["q\"b\\s\/n\nt\tu\u00e9\ud83d\ude00x"]"#)
        #expect(value == ["q\"b\\s/n\nt\tué😀x"])
        #expect(try JSONValue.parse("\"héllo 😀\"") == "héllo 😀")
    }

    @Test func writesWhatItParses() throws {
        let value: JSONValue = ["text": "line\nquote\" back\\ ctrl\u{01} 😀", "n": 42, "f": 0.1, "big": 1e300, "list": [nil, true]]
        #expect(try JSONValue.parse(value.jsonString) == value)
        #expect(JSONValue.number(42).jsonString == "42")
        #expect(JSONValue.number(-0.5).jsonString == "-0.5")
        #expect(JSONValue.string("a\u{01}").jsonString == #""a\u0001""#)
        #expect(JSONValue.number(.nan).jsonString == "null")
    }

    @Test(arguments: [
        ("", "unexpected end of input"), ("{", "expected a string key"), (#"{"a" 1}"#, "expected ':'"),
        ("[1,]", "unexpected character"), ("[1 2]", "expected ',' or ']'"), ("01", "unexpected data after"),
        ("1.", "invalid number"), ("-", "invalid number"), ("tru", "invalid literal"), ("\"abc", "unterminated string"),
        ("\"a\u{01}\"", "control character"), (#""\x""#, "invalid escape"), (#""\ud800""#, "lone surrogate"),
        (#""\u12""#, "short"), ("1e999", "out of range"), ("{} {}", "unexpected data after"),
        (String(repeating: "[", count: 600), "nested deeper than 512"),
    ])
    func refusesMalformedInputWithAReason(_ text: String, _ reason: String) {
        #expect {
            try JSONValue.parse(text)
        } throws: { error in
            "\(error)".hasPrefix("malformed JSON") && "\(error)".contains(reason)
        }
    }

    @Test func refusesInvalidUTF8() {
        let bytes: [UInt8] = [UInt8(ascii: "\""), 0xFF, 0xFE, UInt8(ascii: "\"")]
        #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes) }
    }

    @Test func integersAndKinds() {
        #expect(JSONValue.number(5).intValue == 5)
        #expect(JSONValue.number(5.5).intValue == nil)
        #expect(JSONValue.string("5").intValue == nil)
        #expect(JSONValue.array([]).kindDescription == "an array")
    }
}
