import D8Harness
import Foundation
import Synchronization

/// A tiny HTTP/1.1 server on 127.0.0.1 (port 0) for the transport tests: one background thread
/// accepts connections and answers requests with canned replies, in order, keeping each
/// connection open until its replies run out. Bounded: it stops after its replies, after
/// `lifetime`, or on `stop()`, and a silent peer times out its reads.
final class FakeHTTPServer: Sendable {
    struct Request: Sendable {
        let method: String
        let path: String
        let headers: [(name: String, value: String)]
        let body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        /// Read the request and never answer (until the client hangs up).
        case silence
    }

    let port: UInt16
    private let listener: Int32
    private let replies: [Reply]
    private let recorded = Mutex<[Request]>([])
    private let accepted = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    var requests: [Request] { recorded.withLock { $0 } }
    var connections: Int { accepted.load(ordering: .relaxed) }

    init(replies: [Reply], lifetime: Duration = .seconds(10)) throws {
        self.replies = replies
        (listener, port) = try Self.listen()
        let deadline = ContinuousClock.now + lifetime
        Thread { [self] in serve(until: deadline) }.start()
    }

    /// Stops accepting and waits (boundedly) for the thread to finish.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        _ = finished.wait(timeout: .now() + 5)
    }

    /// A port nothing listens on: bound, read back and closed again.
    static func closedPort() throws -> UInt16 {
        let (fd, port) = try listen()
        close(fd)
        return port
    }

    private static func listen() throws -> (Int32, UInt16) { try FakeSocket.listen() }

    private func serve(until deadline: ContinuousClock.Instant) {
        defer {
            close(listener)
            finished.signal()
        }
        var next = 0
        while next < replies.count, !stopped.load(ordering: .relaxed), ContinuousClock.now < deadline {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            accepted.add(1, ordering: .relaxed)
            serve(connection: connection, next: &next)
            close(connection)
        }
    }

    /// Answers requests on one connection until the replies run out or the peer goes away.
    private func serve(connection: Int32, next: inout Int) {
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var pending: [UInt8] = []
        while next < replies.count, let request = readRequest(connection, &pending) {
            recorded.withLock { $0.append(request) }
            let reply = replies[next]
            next += 1
            switch reply {
            case let .respond(status, headers, body):
                var text = "HTTP/1.1 \(status) Canned\r\nContent-Length: \(body.utf8.count)\r\n"
                for (name, value) in headers { text += "\(name): \(value)\r\n" }
                let bytes = Array((text + "\r\n" + body).utf8)
                var sent = 0
                while sent < bytes.count {
                    let n = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard n > 0 else { return }
                    sent += n
                }
            case .silence:
                var sink = [UInt8](repeating: 0, count: 512)
                while recv(connection, &sink, sink.count, 0) > 0 {}
                return
            }
        }
    }

    /// One request (head and Content-Length body), or nil on EOF or read timeout.
    private func readRequest(_ connection: Int32, _ pending: inout [UInt8]) -> Request? {
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var contentLength = 0
        var head: [String] = []
        while true {
            if headEnd == nil, let range = pending.firstRange(of: separator) {
                headEnd = range.upperBound
                head = String(decoding: pending[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                for line in head.dropFirst() where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let end = headEnd, pending.count >= end + contentLength {
                let body = Array(pending[end..<(end + contentLength)])
                pending.removeFirst(end + contentLength)
                let requestLine = head[0].split(separator: " ")
                let headers = head.dropFirst().compactMap { line -> (name: String, value: String)? in
                    guard let colon = line.firstIndex(of: ":") else { return nil }
                    return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                return Request(method: String(requestLine.first ?? ""), path: requestLine.count > 1 ? String(requestLine[1]) : "", headers: headers, body: body)
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = recv(connection, &chunk, chunk.count, 0)
            guard n > 0 else { return nil }
            pending += chunk[..<n]
        }
    }
}
