internal import D8PluginABI

/// The host as seen by one plugin instance: logging and HTTP through the host's transport.
///
/// Sendable because the d8_host struct is immutable and its callbacks are [thread-safe], and
/// the ABI keeps it valid until `destroy` returns, which outlives every call on the instance.
public struct PluginHost: @unchecked Sendable {
    let host: UnsafePointer<d8_host>

    init(_ host: UnsafePointer<d8_host>) { self.host = host }

    public enum LogLevel: Int32, Sendable { case trace = 0, debug, info, warning, error }

    /// Logs under the worker's logger. Never pass secrets.
    public func log(_ level: LogLevel, _ message: String) {
        guard let log = host.pointee.log else { return }
        Array(message.utf8).withUnsafeBufferPointer { log(host, level.rawValue, d8_str($0)) }
    }

    /// One blocking HTTP exchange through `host->http`, the plugin's only way to the network.
    public func send(_ request: HTTPRequest) -> HTTPResult {
        guard let http = host.pointee.http else { return .refused("the host offers no http callback") }
        let collector = ResponseCollector()
        var err = [CChar](repeating: 0, count: 1024)
        let status = request.withCRequest { cRequest in
            withExtendedLifetime(collector) {
                err.withUnsafeMutableBufferPointer { buffer in
                    withUnsafePointer(to: cRequest) { http(host, $0, collectResponse, Unmanaged.passUnretained(collector).toOpaque(), buffer.baseAddress, buffer.count) }
                }
            }
        }
        let errText = String(decoding: err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch (status, collector.response) {
        case (Int32(D8_OK.rawValue), let response?) where response.status > 0:
            return .response(response)
        case (Int32(D8_FAIL.rawValue), _):
            return .refused(errText.isEmpty ? "the host refused the request" : errText)
        case (_, let response?) where !response.transportError.isEmpty:
            return .transportError(response.transportError)
        default:
            return .transportError(errText.isEmpty ? "no answer" : errText)
        }
    }
}

/// What on_response saw, copied: its views die with the callback. Only the calling thread
/// touches it (on_response runs before http returns).
private final class ResponseCollector {
    var response: HTTPResponse?
}

/// The d8_http_response_fn: ctx is an unretained ResponseCollector kept alive around the call.
private func collectResponse(_ ctx: UnsafeMutableRawPointer?, _ response: UnsafePointer<d8_http_response>?) {
    guard let ctx, let r = response?.pointee else { return }
    let headers = (0..<r.header_count).map { i in
        HTTPHeader(String(decoding: r.headers[i].name.copiedBytes, as: UTF8.self), String(decoding: r.headers[i].value.copiedBytes, as: UTF8.self))
    }
    Unmanaged<ResponseCollector>.fromOpaque(ctx).takeUnretainedValue().response = HTTPResponse(
        status: Int(r.status), headers: headers, body: r.body.copiedBytes,
        transportError: String(decoding: r.error.copiedBytes, as: UTF8.self))
}
