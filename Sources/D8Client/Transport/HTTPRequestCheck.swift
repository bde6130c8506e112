/// What the transport refuses before sending. Header checks matter most: a CR or LF in a
/// plugin's header would let it smuggle extra lines into the request.
enum HTTPRequestCheck {
    /// Why the request cannot be sent, or nil when it can.
    static func refusal(method: String, url: String, headers: [HTTPHeader]) -> String? {
        guard isToken(method), method.utf8.count <= 32 else { return "invalid HTTP method \"\(printable(method))\"" }
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "the URL must be absolute http:// or https://"
        }
        // The URL may carry an API key in its query: never echo it.
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return "the URL contains spaces or control characters" }
        for header in headers {
            guard isToken(header.name) else { return "invalid header name \"\(printable(header.name))\"" }
            guard header.value.utf8.allSatisfy({ $0 != 0x0D && $0 != 0x0A && $0 != 0 }) else {
                return "header \(header.name) has a line break or NUL in its value"
            }
        }
        return nil
    }

    /// RFC 9110 token characters, at least one.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// For messages: at most 40 characters, control characters dropped.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(40))
    }
}
