import Foundation

/// Writes a streamed reply the way hosted providers do: transfer-encoding chunked, one chunk
/// per event, and content-encoding gzip when the client accepts it. A `cut` reply hangs up
/// before the last chunk, so the client sees the body end mid-stream.
struct FakeStreamWriter {
    let connection: Int32
    let gzip: Bool

    /// False when the peer is gone, or after a cut (the connection must then be closed).
    func send(_ reply: FakeProvider.Reply, events: [[UInt8]]) -> Bool {
        var head = "HTTP/1.1 \(reply.status) OK\r\nTransfer-Encoding: chunked\r\n"
        if gzip { head += "Content-Encoding: gzip\r\n" }
        for (name, value) in reply.headers { head += "\(name): \(value)\r\n" }
        guard FakeSocket.send(Array((head + "\r\n").utf8), on: connection) else { return false }
        var encoder = GzipStream()
        if gzip, !chunk(GzipStream.header) { return false }
        for event in events where !event.isEmpty {
            guard chunk(gzip ? encoder.blocks(event) : event) else { return false }
        }
        if reply.cut { return false }
        if gzip, !chunk(encoder.end()) { return false }
        return FakeSocket.send(Array("0\r\n\r\n".utf8), on: connection)
    }

    private func chunk(_ bytes: [UInt8]) -> Bool {
        FakeSocket.send(Array(String(bytes.count, radix: 16).utf8) + [13, 10] + bytes + [13, 10], on: connection)
    }
}
