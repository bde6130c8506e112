/// The status line and headers of a streamed answer, handed over before its body.
package struct HTTPHead: Sendable, Equatable {
    package let status: Int
    /// In the order received, repeats kept; only the final response's (no 1xx interim ones).
    package let headers: [HTTPHeader]

    package init(status: Int, headers: [HTTPHeader]) {
        self.status = status
        self.headers = headers
    }

    /// The first value of header `name`, compared case-insensitively.
    package func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// How a streamed exchange ended (`HTTPTransport.stream`).
package enum HTTPStreamEnd: Sendable, Equatable {
    /// The whole body arrived (whatever the status).
    case completed
    /// onChunk asked to stop; the connection was dropped after `bodyBytes` decoded bytes.
    case stopped(bodyBytes: Int)
    /// No answer, or the connection failed or timed out mid-body. `bodyBytes` decoded bytes
    /// had arrived (0 also when the head never came: onHead tells which).
    case transportError(String, bodyBytes: Int)
    /// Refused before sending: a bad method, URL or header.
    case refused(String)
}
