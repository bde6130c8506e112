internal import D8PluginABI

/// How a streamed exchange ended (`PluginHost.stream`).
public enum HTTPStreamEnd: Sendable, Equatable {
    /// The whole body arrived (whatever the status, which onHead saw).
    case completed
    /// onChunk asked to stop and the host dropped the exchange.
    case stopped
    /// No answer, or the connection failed mid-body: the host's reason (it says after how many bytes).
    case transportError(String)
    /// The host would not send it (bad URL or method).
    case refused(String)
}

extension PluginHost {
    /// One blocking exchange whose body is handed over as it arrives, through `host->http_stream`:
    /// `onHead` once with the status and headers (empty body; not called when no answer came),
    /// then `onChunk` per decoded piece (split anywhere); `onChunk` returning false stops it.
    /// A host older than http_stream is asked with `http`, and the whole body is one chunk.
    public func stream(_ request: HTTPRequest, onHead: (HTTPResponse) -> Void, onChunk: ([UInt8]) -> Bool) -> HTTPStreamEnd {
        guard let httpStream = hostHTTPStream else { return streamWhole(request, onHead: onHead, onChunk: onChunk) }
        return withoutActuallyEscaping(onHead) { onHead in
            withoutActuallyEscaping(onChunk) { onChunk in
                let sink = StreamSink(onHead: onHead, onChunk: onChunk)
                var err = [CChar](repeating: 0, count: 1024)
                let status = request.withCRequest { cRequest in
                    withExtendedLifetime(sink) {
                        err.withUnsafeMutableBufferPointer { buffer in
                            withUnsafePointer(to: cRequest) {
                                httpStream(host, $0, sinkHead, sinkChunk, Unmanaged.passUnretained(sink).toOpaque(), buffer.baseAddress, buffer.count)
                            }
                        }
                    }
                }
                let errText = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                switch status {
                case Int32(D8_OK.rawValue): return .completed
                case Int32(D8_RETRY.rawValue): return .transportError(errText.isEmpty ? "no answer" : errText)
                default: return sink.stopped ? .stopped : .refused(errText.isEmpty ? "the host refused the request" : errText)
                }
            }
        }
    }

    /// `http` for hosts without http_stream: the same callbacks, the body in one piece.
    private func streamWhole(_ request: HTTPRequest, onHead: (HTTPResponse) -> Void, onChunk: ([UInt8]) -> Bool) -> HTTPStreamEnd {
        switch send(request) {
        case let .refused(reason): return .refused(reason)
        case let .transportError(reason): return .transportError(reason)
        case let .response(response):
            onHead(HTTPResponse(status: response.status, headers: response.headers))
            return response.body.isEmpty || onChunk(response.body) ? .completed : .stopped
        }
    }

    typealias HTTPStreamFunction = @convention(c) (
        UnsafePointer<d8_host>?, UnsafePointer<d8_http_request>?, d8_http_response_fn?, d8_chunk_fn?, UnsafeMutableRawPointer?,
        UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// host->http_stream when the host's struct has the field (D8_STRUCT_HAS) and sets it. The
    /// field is read at its offset only when struct_size covers it: an older host's struct ends
    /// before it, and reading the whole struct would read past its end.
    var hostHTTPStream: HTTPStreamFunction? {
        let raw = UnsafeRawPointer(host)
        let offset = MemoryLayout<d8_host>.offset(of: \.http_stream)!
        guard Int(raw.load(as: UInt32.self)) >= offset + MemoryLayout<HTTPStreamFunction?>.size else { return nil }
        return raw.load(fromByteOffset: offset, as: HTTPStreamFunction?.self)
    }
}

/// One stream's callbacks, reached from the host through ctx: an unretained reference kept
/// alive around the call; only the calling thread uses it (the host calls back before returning).
private final class StreamSink {
    let onHead: (HTTPResponse) -> Void
    let onChunk: ([UInt8]) -> Bool
    var stopped = false

    init(onHead: @escaping (HTTPResponse) -> Void, onChunk: @escaping ([UInt8]) -> Bool) {
        self.onHead = onHead
        self.onChunk = onChunk
    }
}

/// on_head: a status 0 (no answer) is left to the return value, which carries the same reason.
private func sinkHead(_ ctx: UnsafeMutableRawPointer?, _ response: UnsafePointer<d8_http_response>?) {
    guard let ctx, let r = response?.pointee, r.status > 0 else { return }
    let headers = (0..<r.header_count).map { i in
        HTTPHeader(String(decoding: r.headers[i].name.copiedBytes, as: UTF8.self), String(decoding: r.headers[i].value.copiedBytes, as: UTF8.self))
    }
    Unmanaged<StreamSink>.fromOpaque(ctx).takeUnretainedValue().onHead(HTTPResponse(status: Int(r.status), headers: headers))
}

private func sinkChunk(_ ctx: UnsafeMutableRawPointer?, _ bytes: d8_str) -> Int32 {
    guard let ctx else { return Int32(D8_FAIL.rawValue) }
    let sink = Unmanaged<StreamSink>.fromOpaque(ctx).takeUnretainedValue()
    guard sink.onChunk(bytes.copiedBytes) else {
        sink.stopped = true
        return Int32(D8_FAIL.rawValue)
    }
    return Int32(D8_OK.rawValue)
}
