/// Writes `JSONValue` as compact JSON text. Hand-written because every response and every
/// stored task goes through it; integers print without ".0", and a non-finite number (which no
/// parsed input can hold) is written as null rather than as invalid JSON.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    /// Object keys in byte order: one spelling for equal values (see `canonicalJSONString`).
    var sortsKeys = false

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case let .bool(b): append(b ? "true" : "false")
        case let .number(n): writeNumber(n)
        case let .string(s): writeString(s)
        case let .array(elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case let .object(members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            if sortsKeys {
                for (key, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                    writeMember(key, member, first: &first)
                }
            } else {
                for (key, member) in members { writeMember(key, member, first: &first) }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeMember(_ key: String, _ member: JSONValue, first: inout Bool) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
        write(member)
    }

    private mutating func append(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func writeNumber(_ n: Double) {
        guard n.isFinite else { return append("null") }
        if n.rounded() == n, abs(n) < 9e15 {
            bytes.append(contentsOf: String(Int64(n)).utf8)
        } else {
            bytes.append(contentsOf: n.description.utf8) // shortest form that round-trips
        }
    }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0..<0x20:
                append("\\u00")
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
