/// Splits bytes fed in arbitrary pieces into text lines (LF, CRLF or CR endings). Bytes are
/// kept until their line is complete, so a UTF-8 sequence split between pieces decodes whole.
public struct LineFramer: Sendable {
    private var pending: [UInt8] = []
    /// A CR ended the last line: an LF right after it belongs to the same ending.
    private var afterCR = false

    public init() {}

    public mutating func push(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n") where afterCR:
                afterCR = false
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lines.append(String(decoding: pending, as: UTF8.self))
                pending.removeAll(keepingCapacity: true)
                afterCR = byte == UInt8(ascii: "\r")
            default:
                afterCR = false
                pending.append(byte)
            }
        }
        return lines
    }

    /// The last line when the body did not end with a line break (NDJSON may not).
    public mutating func finish() -> [String] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [String(decoding: pending, as: UTF8.self)]
    }
}
