import Foundation

/// The socket work behind `FakeProvider`: listen on loopback, read requests, write replies.
public enum FakeSocket {
    public struct SetupError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A listening socket on 127.0.0.1 with a port picked by the kernel.
    public static func listen() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SetupError(description: "socket failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 64) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            close(fd)
            throw SetupError(description: "bind/listen failed: errno \(errno)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// Writes all of `bytes`; false when the peer is gone.
    static func send(_ bytes: [UInt8], on connection: Int32) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    /// Reads successive requests (head plus Content-Length body) from one connection.
    struct RequestReader {
        let connection: Int32
        let idleTimeout: Duration
        let stopped: () -> Bool
        private var pending: [UInt8] = []

        init(connection: Int32, idleTimeout: Duration, stopped: @escaping () -> Bool) {
            self.connection = connection
            self.idleTimeout = idleTimeout
            self.stopped = stopped
        }

        /// The next request, or nil on EOF, idle timeout, a malformed head, or stop.
        mutating func next() -> FakeProvider.Request? {
            let separator = Array("\r\n\r\n".utf8)
            while true {
                if let range = pending.firstRange(of: separator) {
                    let lines = String(decoding: pending[..<range.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                    let headers = lines.dropFirst().compactMap(Self.header)
                    let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
                    if pending.count >= range.upperBound + length {
                        let body = Array(pending[range.upperBound..<(range.upperBound + length)])
                        pending.removeFirst(range.upperBound + length)
                        let requestLine = lines[0].split(separator: " ")
                        guard requestLine.count >= 2 else { return nil }
                        return FakeProvider.Request(method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
                    }
                }
                guard readMore() else { return nil }
            }
        }

        private static func header(_ line: String) -> (name: String, value: String)? {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }

        /// Waits for bytes in short polls (to notice `stop`) up to the idle timeout.
        private mutating func readMore() -> Bool {
            let deadline = ContinuousClock.now + idleTimeout
            while ContinuousClock.now < deadline, !stopped() {
                var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 50) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 16384)
                let n = recv(connection, &chunk, chunk.count, 0)
                guard n > 0 else { return false }
                pending += chunk[..<n]
                return true
            }
            return false
        }
    }
}
