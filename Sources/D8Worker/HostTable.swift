internal import D8PluginABI
import D8Client
import Logging

/// The `d8_host` handed to one instance's `create`: the host's callbacks for that instance.
///
/// Lifetime: the ABI lets an instance keep the host pointer until `destroy` returns. The table
/// is owned by its `PluginInstance`, whose `deinit` calls `destroy` before its stored properties
/// (this table among them) are released, so the pointer outlives every use. If `create` fails
/// the table is dropped at once: no instance exists to hold it.
final class HostTable: @unchecked Sendable { // immutable after init; the C struct is only read by the plugin
    let pointer: UnsafeMutablePointer<d8_host>
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        pointer = .allocate(capacity: 1)
        // host_data is this object, unretained: it lives at least as long as the struct it is in.
        pointer.initialize(to: d8_host(
            struct_size: UInt32(MemoryLayout<d8_host>.size),
            abi_version: UInt32(D8_PLUGIN_ABI_VERSION),
            host_data: nil,
            log: hostLog,
            http: hostHTTP,
            http_stream: hostHTTPStream
        ))
        pointer.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

/// `d8_host.log` [thread-safe]: finds its table through host_data (valid while the struct is,
/// see `HostTable`) and logs through the instance's Logger, which is a Sendable value.
private func hostLog(_ host: UnsafePointer<d8_host>?, _ level: Int32, _ message: d8_str) {
    guard let data = host?.pointee.host_data else { return }
    let table = Unmanaged<HostTable>.fromOpaque(data).takeUnretainedValue()
    let text = String(decoding: message.bytes, as: UTF8.self)
    table.logger.log(level: logLevel(level), "\(text)")
}

private func logLevel(_ level: Int32) -> Logger.Level {
    switch UInt32(bitPattern: level) {
    case D8_LOG_TRACE.rawValue: .trace
    case D8_LOG_DEBUG.rawValue: .debug
    case D8_LOG_INFO.rawValue: .info
    case D8_LOG_WARNING.rawValue: .warning
    default: .error // D8_LOG_ERROR, and unknown levels are not dropped
    }
}

/// `d8_host.http` [thread-safe]: one blocking exchange through the process's `HTTPTransport`.
/// D8_FAIL (on_response uncalled) when the request is refused before sending; otherwise
/// on_response runs once, here on the calling thread, and the result is D8_OK for any HTTP
/// answer or D8_RETRY (status 0, `error` and err set) when none came.
private func hostHTTP(
    _ host: UnsafePointer<d8_host>?, _ request: UnsafePointer<d8_http_request>?, _ onResponse: d8_http_response_fn?,
    _ ctx: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int
) -> Int32 {
    let refused = { (reason: String) -> Int32 in
        ErrorBuffer.write(reason, to: err, capacity: errCapacity)
        return Int32(D8_FAIL.rawValue)
    }
    guard request != nil, let onResponse else { return refused("http: the request or on_response is NULL") }
    let req: HostRequest
    switch HostRequest.read(request, call: "http") {
    case let .success(read): req = read
    case let .failure(reason): return refused(reason.description)
    }
    switch HTTPTransport.shared.send(method: req.method, url: req.url, headers: req.headers, body: req.body, timeout: req.timeout) {
    case let .refused(reason):
        return refused("http: \(reason)")
    case let .transportError(message):
        deliverNoAnswer(message, to: onResponse, ctx: ctx)
        ErrorBuffer.write(message, to: err, capacity: errCapacity)
        return Int32(D8_RETRY.rawValue)
    case let .response(answer):
        deliver(answer, to: onResponse, ctx: ctx)
        return Int32(D8_OK.rawValue)
    }
}

/// Calls on_response (or on_head) with status 0 and `error`: no HTTP answer came.
func deliverNoAnswer(_ message: String, to onResponse: d8_http_response_fn, ctx: UnsafeMutableRawPointer?) {
    Array(message.utf8).withUnsafeBufferPointer { text in
        var response = d8_http_response(
            struct_size: UInt32(MemoryLayout<d8_http_response>.size), status: 0, headers: nil, header_count: 0,
            body: d8_str(ptr: nil, len: 0), error: d8_str(text))
        onResponse(ctx, &response)
    }
}

/// Calls on_response with views of `answer`: every name and value lives in one byte buffer
/// that, like the header array, is only valid during the call, as the ABI says.
private func deliver(_ answer: HTTPResponse, to onResponse: d8_http_response_fn, ctx: UnsafeMutableRawPointer?) {
    deliver(status: answer.status, headers: answer.headers, body: answer.body, to: onResponse, ctx: ctx)
}

/// Calls on_response (or on_head, with an empty body) with views valid only during the call.
func deliver(status: Int, headers: [HTTPHeader], body: [UInt8], to onResponse: d8_http_response_fn, ctx: UnsafeMutableRawPointer?) {
    var text: [UInt8] = []
    var ranges: [(name: Range<Int>, value: Range<Int>)] = []
    for header in headers {
        let nameStart = text.count
        text += header.name.utf8
        let valueStart = text.count
        text += header.value.utf8
        ranges.append((nameStart..<valueStart, valueStart..<text.count))
    }
    text.withUnsafeBufferPointer { text in
        let views = ranges.map { range in
            d8_header(name: d8_str(UnsafeBufferPointer(rebasing: text[range.name])), value: d8_str(UnsafeBufferPointer(rebasing: text[range.value])))
        }
        views.withUnsafeBufferPointer { views in
            body.withUnsafeBufferPointer { body in
                var response = d8_http_response(
                    struct_size: UInt32(MemoryLayout<d8_http_response>.size), status: Int32(clamping: status),
                    headers: views.baseAddress, header_count: views.count, body: d8_str(body), error: d8_str(ptr: nil, len: 0))
                onResponse(ctx, &response)
            }
        }
    }
}
