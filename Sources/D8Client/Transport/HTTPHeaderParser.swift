/// Parses the raw header block libcurl hands over, status lines included.
enum HTTPHeaderParser {
    /// The final response's headers: each status line ("HTTP/...") starts a new block, so 1xx
    /// interim responses leave nothing behind. Folded continuation lines join the previous value.
    static func parse(_ raw: [UInt8]) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        for line in raw.split(separator: UInt8(ascii: "\n")) {
            let text = line.last == UInt8(ascii: "\r") ? line.dropLast() : line[...]
            guard let first = text.first else { continue }
            if text.starts(with: "HTTP/".utf8) {
                headers.removeAll()
            } else if first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                guard let last = headers.popLast() else { continue }
                headers.append(HTTPHeader(name: last.name, value: last.value + " " + trimmed(text)))
            } else if let colon = text.firstIndex(of: UInt8(ascii: ":")) {
                let name = String(decoding: text[..<colon], as: UTF8.self)
                headers.append(HTTPHeader(name: name, value: trimmed(text[(colon + 1)...])))
            }
        }
        return headers
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> String {
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let end = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: bytes[start...end], as: UTF8.self)
    }
}
