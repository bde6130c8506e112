internal import D8PluginABI

/// One header line.
public struct HTTPHeader: Sendable, Equatable {
    public let name: String
    public let value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request for the host's transport.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// The whole exchange; the host also bounds it by the task timeout.
    public var timeoutMilliseconds: UInt32

    public init(method: String = "POST", url: String, headers: [HTTPHeader], body: [UInt8], timeoutMilliseconds: UInt32) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// Calls `body` with a d8_http_request whose views point into one buffer holding every
    /// string, alive for the duration of the call (the host copies what it keeps).
    func withCRequest<R>(_ body: (d8_http_request) -> R) -> R {
        var text: [UInt8] = []
        func append(_ s: String) -> Range<Int> {
            let start = text.count
            text += s.utf8
            return start..<text.count
        }
        let methodRange = append(method), urlRange = append(url)
        let headerRanges = headers.map { (append($0.name), append($0.value)) }
        return text.withUnsafeBufferPointer { text in
            let view = { (range: Range<Int>) in d8_str(UnsafeBufferPointer(rebasing: text[range])) }
            let cHeaders = headerRanges.map { d8_header(name: view($0.0), value: view($0.1)) }
            return cHeaders.withUnsafeBufferPointer { cHeaders in
                self.body.withUnsafeBufferPointer { bytes in
                    body(d8_http_request(
                        struct_size: UInt32(MemoryLayout<d8_http_request>.size), timeout_ms: timeoutMilliseconds,
                        method: view(methodRange), url: view(urlRange),
                        headers: cHeaders.isEmpty ? nil : cHeaders.baseAddress, header_count: cHeaders.count,
                        body: d8_str(bytes)))
                }
            }
        }
    }
}

/// An HTTP answer, whatever its status.
public struct HTTPResponse: Sendable, Equatable {
    public let status: Int
    public let headers: [HTTPHeader]
    public let body: [UInt8]
    /// Set only by the host when no HTTP answer came (status 0).
    let transportError: String

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.init(status: status, headers: headers, body: body, transportError: "")
    }

    init(status: Int, headers: [HTTPHeader], body: [UInt8], transportError: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.transportError = transportError
    }

    /// The first header with this name; header names are case-insensitive.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// What one exchange came to.
public enum HTTPResult: Sendable, Equatable {
    /// An HTTP answer arrived (any status).
    case response(HTTPResponse)
    /// No answer: connect, TLS, timeout... (the ABI's D8_RETRY path).
    case transportError(String)
    /// The host would not send it (bad URL or method): a plugin bug or a bad base_url.
    case refused(String)
}
