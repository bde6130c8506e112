internal import CCurl
import Foundation

extension HTTPTransport {
    /// Performs one exchange whose body is handed over as it arrives, on the calling thread:
    /// `onHead` runs once with the final status and headers before the first body byte (or
    /// when the exchange ends, for an empty body), then `onChunk` for each decoded piece (gzip
    /// and chunked transfer undone; a piece may end anywhere, even inside a line). The buffer
    /// given to `onChunk` is valid only during the call. `onChunk` returning false drops the
    /// connection at once (`.stopped`). `timeout` bounds the whole exchange, as for `send`.
    package func stream(
        method: String, url: String, headers: [HTTPHeader], body: [UInt8], timeout: Duration? = nil,
        onHead: (HTTPHead) -> Void, onChunk: (UnsafeRawBufferPointer) -> Bool
    ) -> HTTPStreamEnd {
        streamNotingConnection(method: method, url: url, headers: headers, body: body, timeout: timeout, onHead: onHead, onChunk: onChunk).end
    }

    /// `stream`, and whether a connection was made: when none was, nothing of the request left
    /// this process, so another server may be asked without doing anything twice.
    package func streamNotingConnection(
        method: String, url: String, headers: [HTTPHeader], body: [UInt8], timeout: Duration? = nil,
        onHead: (HTTPHead) -> Void, onChunk: (UnsafeRawBufferPointer) -> Bool
    ) -> (end: HTTPStreamEnd, connected: Bool) {
        withoutActuallyEscaping(onHead) { onHead in
            withoutActuallyEscaping(onChunk) { onChunk in
                let receiver = StreamReceiver(onHead: onHead, onChunk: onChunk)
                let ended = withExtendedLifetime(receiver) {
                    let context = Unmanaged.passUnretained(receiver).toOpaque()
                    return exchange(method: method, url: url, headers: headers, body: body, timeout: timeout) { curl in
                        receiver.curl = curl
                        return ccurl_receive(curl, receiveBody, context, receiveHeaderLine, context)
                    }
                }
                let end = receiver.end(ended)
                receiver.curl = nil
                return (end, !ended.failedToConnect)
            }
        }
    }
}

/// One streamed exchange's state, reached from libcurl's callbacks through their context
/// pointer: an unretained reference kept alive by `withExtendedLifetime` around the transfer.
/// Only the thread running the transfer touches it.
private final class StreamReceiver {
    let onHead: (HTTPHead) -> Void
    let onChunk: (UnsafeRawBufferPointer) -> Bool
    var curl: UnsafeMutableRawPointer?
    var headerBlock: [UInt8] = []
    var headDelivered = false
    var stopped = false
    var bodyBytes = 0

    init(onHead: @escaping (HTTPHead) -> Void, onChunk: @escaping (UnsafeRawBufferPointer) -> Bool) {
        self.onHead = onHead
        self.onChunk = onChunk
    }

    /// Hands over the head once: at the blank line closing a final (non-1xx) header block, or
    /// before the first body byte, or at the end for an answer without a body.
    func deliverHead() {
        guard !headDelivered, let curl else { return }
        headDelivered = true
        onHead(HTTPHead(status: ccurl_response_code(curl), headers: HTTPHeaderParser.parse(headerBlock)))
    }

    func end(_ exchange: HTTPTransport.Exchange) -> HTTPStreamEnd {
        switch exchange {
        case .done:
            deliverHead()
            return .completed
        case .failed(CURLE_WRITE_ERROR, _, _) where stopped:
            return .stopped(bodyBytes: bodyBytes)
        case let .failed(_, _, message):
            let detail = headDelivered ? "\(message) (after \(bodyBytes) body bytes)" : message
            return .transportError(detail, bodyBytes: bodyBytes)
        case let .refused(reason):
            return .refused(reason)
        }
    }
}

/// CURLOPT_WRITEFUNCTION: one decoded piece of the body. Returning 0 aborts the transfer.
private func receiveBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let receiver = Unmanaged<StreamReceiver>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    receiver.deliverHead()
    receiver.bodyBytes += length
    guard receiver.onChunk(UnsafeRawBufferPointer(start: data, count: length)) else {
        receiver.stopped = true
        return 0
    }
    return length
}

/// CURLOPT_HEADERFUNCTION: one raw header line. A blank line ends a header block; the head is
/// due when that block's status is final (1xx blocks are followed by another).
private func receiveHeaderLine(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let context else { return 0 }
    let receiver = Unmanaged<StreamReceiver>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard !receiver.headDelivered else { return length } // trailers of a chunked body
    let line = UnsafeRawBufferPointer(start: data, count: length)
    receiver.headerBlock += line
    let blank = line.allSatisfy { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }
    if blank, let curl = receiver.curl, ccurl_response_code(curl) >= 200 { receiver.deliverHead() }
    return length
}
