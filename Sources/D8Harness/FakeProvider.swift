import D8Core
import Foundation
import Synchronization

/// A fake LLM provider: a small HTTP/1.1 server on 127.0.0.1 (port 0) that answers every request
/// with what `handler` returns and records the requests. One thread accepts, one thread serves each
/// connection (keep-alive, Content-Length bodies), and every read is bounded by a timeout, so a
/// test that forgets `stop()` leaks nothing that runs forever.
///
/// Ready-made handlers that speak the real wire formats are in FakeProvider+Handlers.swift.
public final class FakeProvider: Sendable {
    public typealias Handler = @Sendable (Request) -> Reply

    /// The TCP port the server listens on.
    public let port: UInt16
    /// "http://127.0.0.1:<port>", for a plugin's `base_url`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Every request received so far, in arrival order.
    public var requests: [Request] { recorded.withLock { $0 } }

    private let listener: Int32
    private let handler: Handler
    private let recorded = Mutex<[Request]>([])
    private let connections = Mutex<Set<Int32>>([])
    private let stopped = Atomic<Bool>(false)
    private let acceptorDone = DispatchSemaphore(value: 0)
    /// A connection idle this long is closed (clients reconnect); bounds every connection thread.
    private let idleTimeout: Duration

    /// - Parameters:
    ///   - idleTimeout: how long a connection may stay silent before the server hangs up.
    ///   - lifetime: the server stops accepting after this, even without `stop()`.
    ///   - handler: the answer to each request; called on the connection's thread.
    public init(idleTimeout: Duration = .seconds(10), lifetime: Duration = .seconds(300), handler: @escaping Handler) throws {
        self.handler = handler
        self.idleTimeout = idleTimeout
        (listener, port) = try FakeSocket.listen()
        let deadline = ContinuousClock.now + lifetime
        Thread { [self] in acceptLoop(until: deadline) }.start()
    }

    deinit { stop() }

    /// Stops accepting, hangs up open connections and waits (boundedly) for the accept thread.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        _ = acceptorDone.wait(timeout: .now() + 2)
        connections.withLock { open in open.forEach { _ = shutdown($0, Int32(SHUT_RDWR)) } }
    }

    private func acceptLoop(until deadline: ContinuousClock.Instant) {
        defer {
            close(listener)
            acceptorDone.signal()
        }
        while !stopped.load(ordering: .relaxed), ContinuousClock.now < deadline {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            // As real providers do: a streamed piece leaves at once, not after a delayed ACK.
            var noDelay: Int32 = 1
            _ = setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            connections.withLock { _ = $0.insert(connection) }
            Thread { [self] in
                serve(connection)
                connections.withLock { _ = $0.remove(connection) }
                close(connection)
            }.start()
        }
    }

    /// Answers requests on one connection until the peer hangs up, goes idle, or the server stops.
    private func serve(_ connection: Int32) {
        var reader = FakeSocket.RequestReader(connection: connection, idleTimeout: idleTimeout, stopped: { [self] in stopped.load(ordering: .relaxed) })
        while let request = reader.next() {
            recorded.withLock { $0.append(request) }
            let reply = handler(request)
            if reply.delay > .zero, !sleep(reply.delay) { return }
            if let events = reply.events {
                let gzip = request.header("accept-encoding")?.contains("gzip") == true
                guard FakeStreamWriter(connection: connection, gzip: gzip).send(reply, events: events) else { return }
                continue
            }
            guard FakeSocket.send(reply.encoded(), on: connection) else { return }
        }
    }

    /// Sleeps in short slices so that `stop()` is not held up; false when stopped meanwhile.
    private func sleep(_ delay: Duration) -> Bool {
        let deadline = ContinuousClock.now + delay
        while ContinuousClock.now < deadline {
            if stopped.load(ordering: .relaxed) { return false }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return !stopped.load(ordering: .relaxed)
    }
}

extension FakeProvider {
    /// One recorded request.
    public struct Request: Sendable {
        public let method: String
        /// The request target as sent: path and query, e.g. "/v1/messages".
        public let path: String
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]

        public init(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]) {
            self.method = method
            self.path = path
            self.headers = headers
            self.body = body
        }

        /// The first header with this name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// The body parsed as JSON, or nil when it is not JSON.
        public var json: JSONValue? { try? JSONValue.parse(body) }
    }

    /// What the fake answers: status, headers, body, and how long to wait before answering
    /// (to play a provider slower than the plugin's timeout).
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]
        public var delay: Duration
        /// A streamed body instead of `body`: these pieces, each sent as it is (chunked, gzip
        /// when the client accepts it), as streaming providers do.
        public var events: [[UInt8]]?
        /// Hang up after the pieces without ending the body: a stream cut in the middle.
        public var cut = false

        public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }

        /// A 200 streamed in `events` (server-sent events, NDJSON lines...).
        public static func streamed(_ events: [String], contentType: String, cut: Bool = false) -> Reply {
            var reply = Reply(status: 200, headers: [("content-type", contentType)])
            reply.events = events.map { Array($0.utf8) }
            reply.cut = cut
            return reply
        }

        /// A JSON body with `content-type: application/json`.
        public static func json(_ value: JSONValue, status: Int = 200, headers: [(name: String, value: String)] = []) -> Reply {
            Reply(status: status, headers: [("content-type", "application/json")] + headers, body: value.jsonBytes)
        }

        /// A plain-text body (also for bodies that are deliberately not JSON).
        public static func text(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> Reply {
            Reply(status: status, headers: [("content-type", "text/plain")] + headers, body: Array(text.utf8))
        }

        /// The same reply, sent only after `delay`.
        public func delayed(by delay: Duration) -> Reply {
            var copy = self
            copy.delay = delay
            return copy
        }

        func encoded() -> [UInt8] {
            var head = "HTTP/1.1 \(status) \(status < 400 ? "OK" : "Error")\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            return Array((head + "\r\n").utf8) + body
        }
    }
}
