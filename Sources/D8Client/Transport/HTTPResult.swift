/// One header line of a request or response; names compare case-insensitively (see `named`).
package struct HTTPHeader: Sendable, Equatable {
    package let name: String
    package let value: String

    package init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP answer, whatever its status.
package struct HTTPResponse: Sendable, Equatable {
    package let status: Int
    /// In the order received, repeats kept; only the final response's (no 1xx interim ones).
    package let headers: [HTTPHeader]
    /// Decoded: no transfer or content encoding left.
    package let body: [UInt8]

    package init(status: Int, headers: [HTTPHeader], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// The three ways one exchange ends, as the ABI's `http` callback reports them.
package enum HTTPResult: Sendable, Equatable {
    /// An HTTP answer arrived (D8_OK).
    case response(HTTPResponse)
    /// No answer: DNS, connect, TLS, timeout, a dropped connection (D8_RETRY).
    case transportError(String)
    /// Refused before sending: a bad method, URL or header (D8_FAIL).
    case refused(String)
}
