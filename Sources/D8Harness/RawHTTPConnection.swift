import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 keep-alive connection to 127.0.0.1 that sends bytes exactly as given,
/// so tests can send what no well-behaved client would. Use it on a thread of its own
/// (`onThread`), never on Swift's cooperative pool, which an in-process server needs. The
/// benchmarks use it too: their client must cost far less than the orchestrator they measure.
// Sendable: a connection is handed to the one thread that uses it, never shared between two at once.
public final class RawHTTPConnection: @unchecked Sendable {
    public struct Response: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]
        public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name }?.value }
    }

    public enum Failure: Error, CustomStringConvertible {
        case connect, closed, timedOut, garbled(String)
        public var description: String {
            switch self {
            case .connect: "cannot connect"
            case .closed: "the server closed the connection without an answer"
            case .timedOut: "no answer in time"
            case .garbled(let why): "garbled answer: \(why)"
            }
        }
    }

    private let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, timeout: Duration = .seconds(10)) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let seconds = timeout.components.seconds
        var limit = timeval(tv_sec: Int(seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { close(fd); throw Failure.connect }
    }

    deinit { close(fd) }

    /// Sends `bytes`; a server that closed the connection early (after a 413, say) is not an error
    /// here: the answer it sent first is still read.
    public func send(_ bytes: [UInt8]) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            sent += n
        }
    }

    /// Reads one answer; `head` is true for a HEAD request, whose answer has no body.
    public func readResponse(head: Bool = false) throws(Failure) -> Response {
        var end = headerEnd()
        while end == nil {
            try fill()
            end = headerEnd()
        }
        let headEnd = end!
        let lines = String(decoding: buffer[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines.first?.split(separator: " ") ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw .garbled(lines.first ?? "")
        }
        let headers = lines.dropFirst().compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        buffer.removeFirst(headEnd + 4)
        let response = Response(status: status, headers: headers, body: [])
        if head || status == 204 || status == 304 { return response }
        if response.header("transfer-encoding")?.lowercased() == "chunked" {
            return Response(status: status, headers: headers, body: try readChunked())
        }
        let length = response.header("content-length").flatMap { Int($0) } ?? 0
        while buffer.count < length { try fill() }
        defer { buffer.removeFirst(length) }
        return Response(status: status, headers: headers, body: Array(buffer[..<length]))
    }

    public func request(_ bytes: [UInt8], head: Bool = false) throws(Failure) -> Response {
        send(bytes)
        return try readResponse(head: head)
    }

    private func readChunked() throws(Failure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = crlf(from: 0)
            while lineEnd == nil { try fill(); lineEnd = crlf(from: 0) }
            let sizeText = String(decoding: buffer[..<lineEnd!], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { throw .garbled("chunk size") }
            buffer.removeFirst(lineEnd! + 2)
            while buffer.count < size + 2 { try fill() }
            body += buffer[..<size]
            buffer.removeFirst(size + 2)
            if size == 0 { return body }
        }
    }

    private func crlf(from start: Int) -> Int? {
        guard buffer.count >= start + 2 else { return nil }
        return (start..<(buffer.count - 1)).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        return (0...(buffer.count - 4)).first { buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10 }
    }

    private func fill() throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65_536, 0) }
        if n == 0 { throw .closed }
        if n < 0 { throw errno == EAGAIN || errno == EWOULDBLOCK ? .timedOut : .closed }
        buffer += chunk[..<n]
    }
}
