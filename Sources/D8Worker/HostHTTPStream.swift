internal import D8PluginABI
import D8Client

/// `d8_host.http_stream` [thread-safe]: one blocking exchange whose body reaches the plugin as
/// it arrives. on_head runs once (the head, or status 0 and `error` when no answer came), then
/// on_chunk per decoded piece, all on the calling thread. D8_OK: the whole body arrived;
/// D8_RETRY: no answer or cut mid-body (err says after how many bytes); D8_FAIL: refused, or
/// stopped because on_chunk returned something other than D8_OK.
func hostHTTPStream(
    _ host: UnsafePointer<d8_host>?, _ request: UnsafePointer<d8_http_request>?, _ onHead: d8_http_response_fn?,
    _ onChunk: d8_chunk_fn?, _ ctx: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int
) -> Int32 {
    let failed = { (status: d8_status, reason: String) -> Int32 in
        ErrorBuffer.write(reason, to: err, capacity: errCapacity)
        return Int32(status.rawValue)
    }
    guard let onHead, let onChunk else { return failed(D8_FAIL, "http_stream: on_head or on_chunk is NULL") }
    let req: HostRequest
    switch HostRequest.read(request, call: "http_stream") {
    case let .success(read): req = read
    case let .failure(reason): return failed(D8_FAIL, reason.description)
    }
    var headSent = false
    let end = HTTPTransport.shared.stream(
        method: req.method, url: req.url, headers: req.headers, body: req.body, timeout: req.timeout,
        onHead: { head in
            headSent = true
            deliver(status: head.status, headers: head.headers, body: [], to: onHead, ctx: ctx)
        },
        onChunk: { bytes in
            onChunk(ctx, d8_str(ptr: bytes.baseAddress?.assumingMemoryBound(to: CChar.self), len: bytes.count)) == Int32(D8_OK.rawValue)
        })
    switch end {
    case .completed:
        return Int32(D8_OK.rawValue)
    case let .stopped(bodyBytes):
        return failed(D8_FAIL, "stopped by on_chunk after \(bodyBytes) body bytes")
    case let .transportError(message, _):
        if !headSent { deliverNoAnswer(message, to: onHead, ctx: ctx) }
        return failed(D8_RETRY, message)
    case let .refused(reason):
        return failed(D8_FAIL, "http_stream: \(reason)")
    }
}
