/// One header line of a request or response; names compare case-insensitively (see `named`).
struct HTTPHeader: Sendable, Equatable {
    let name: String
    let value: String
}

/// An HTTP answer, whatever its status.
struct HTTPResponse: Sendable, Equatable {
    let status: Int
    /// In the order received, repeats kept; only the final response's (no 1xx interim ones).
    let headers: [HTTPHeader]
    /// Decoded: no transfer or content encoding left.
    let body: [UInt8]

    /// The first value of header `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// The three ways one exchange ends, as the ABI's `http` callback reports them.
enum HTTPResult: Sendable, Equatable {
    /// An HTTP answer arrived (D8_OK).
    case response(HTTPResponse)
    /// No answer: DNS, connect, TLS, timeout, a dropped connection (D8_RETRY).
    case transportError(String)
    /// Refused before sending: a bad method, URL or header (D8_FAIL).
    case refused(String)
}
