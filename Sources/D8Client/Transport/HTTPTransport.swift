internal import CCurl
import D8Core
import Foundation
import Synchronization

/// The worker's one HTTP client (libcurl), behind `d8_host.http`. Blocking: each call runs on
/// the calling thread. Idle easy handles are pooled so their connection caches (keep-alive,
/// TLS sessions) serve later requests.
package final class HTTPTransport: @unchecked Sendable { // mutable state is the handle pool, behind a Mutex
    /// Shared by every plugin instance of the process, so they share warm connections.
    package static let shared = HTTPTransport()

    package static let connectTimeout: Duration = .seconds(10)
    /// For requests that leave the timeout to the host (`timeout_ms` 0).
    package static let defaultTimeout: Duration = .seconds(120)

    private let idle = Mutex<[EasyHandle]>([])
    private let maxIdle: Int

    /// curl_global_init is not thread-safe: a static let runs it exactly once, before any use.
    private static let globalInit: CURLcode = ccurl_global_init()

    package init(maxIdle: Int = 16) {
        self.maxIdle = maxIdle
        _ = Self.globalInit
    }

    deinit {
        for handle in idle.withLock({ $0 }) { curl_easy_cleanup(handle.curl) }
    }

    /// Performs one exchange. `timeout` bounds the whole exchange (nil: `defaultTimeout`).
    /// Redirects are not followed: the plugin sees the 3xx.
    package func send(method: String, url: String, headers: [HTTPHeader], body: [UInt8], timeout: Duration? = nil) -> HTTPResult {
        sendNotingConnection(method: method, url: url, headers: headers, body: body, timeout: timeout).result
    }

    /// `send`, and whether a connection was made: when none was, nothing of the request left
    /// this process, so another server may be asked without doing anything twice.
    package func sendNotingConnection(method: String, url: String, headers: [HTTPHeader], body: [UInt8], timeout: Duration? = nil) -> (result: HTTPResult, connected: Bool) {
        let responseBody = Buffer(), responseHeaders = Buffer()
        defer { responseBody.free(); responseHeaders.free() }
        let ended = exchange(method: method, url: url, headers: headers, body: body, timeout: timeout) { curl in
            ccurl_receive(curl, ccurl_buffer_append, responseBody.pointer, ccurl_buffer_append, responseHeaders.pointer)
        }
        switch ended {
        case let .refused(reason): return (.refused(reason), false)
        case let .failed(_, _, message): return (.transportError(message), !ended.failedToConnect)
        case let .done(status):
            return (.response(HTTPResponse(status: status, headers: HTTPHeaderParser.parse(responseHeaders.bytes), body: responseBody.bytes)), true)
        }
    }

    /// How `exchange` ended: libcurl's code and its plugin-facing reason when it failed.
    enum Exchange {
        case done(status: Int)
        case failed(CURLcode, errno: Int32, message: String)
        case refused(String)

        /// Ended before a connection was made (refused, DNS, connect timeout): nothing was sent.
        var failedToConnect: Bool {
            switch self {
            case .done: false
            case .refused: true
            case let .failed(code, _, message):
                [CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY].contains(code)
                    || (code == CURLE_OPERATION_TIMEDOUT && message.hasPrefix("connect timed out"))
            }
        }
    }

    /// The checks, a pooled handle, prepare, `receive` (where the answer goes), perform.
    func exchange(method: String, url: String, headers: [HTTPHeader], body: [UInt8], timeout: Duration?,
                  receive: (UnsafeMutableRawPointer) -> CURLcode) -> Exchange {
        if let reason = HTTPRequestCheck.refusal(method: method, url: url, headers: headers) { return .refused(reason) }
        guard Self.globalInit == CURLE_OK else { return .failed(CURLE_FAILED_INIT, errno: 0, message: "libcurl failed to initialise") }
        guard let handle = take() else { return .failed(CURLE_FAILED_INIT, errno: 0, message: "libcurl could not create a handle") }
        defer { giveBack(handle) }
        guard let list = HeaderList(headers) else { return .failed(CURLE_OUT_OF_MEMORY, errno: 0, message: "out of memory building the request headers") }
        defer { list.free() }

        let timeoutMs = Int((timeout ?? Self.defaultTimeout).milliseconds)
        var status = 0, osErrno = 0
        var detail = [CChar](repeating: 0, count: 512)
        let code = body.withUnsafeBufferPointer { bytes in
            // Nothing is sent unless prepare succeeded; its failures (say, a URL libcurl rejects) are refusals.
            var prepared = ccurl_prepare(
                handle.curl, url, method, UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), bytes.count,
                list.head, Int(Self.connectTimeout.milliseconds), timeoutMs)
            if prepared == CURLE_OK { prepared = receive(handle.curl) }
            guard prepared == CURLE_OK else { return prepared }
            return ccurl_perform(handle.curl, &status, &osErrno, &detail, detail.count)
        }
        let message = String(decoding: detail.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch code {
        case CURLE_OK:
            return .done(status: status)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT:
            return .refused("libcurl refused the request: \(String(cString: curl_easy_strerror(code)))")
        default:
            return .failed(code, errno: Int32(osErrno), message: Self.describe(code, errno: Int32(osErrno), detail: message, timeoutMs: timeoutMs))
        }
    }

    /// Short, plugin-facing reasons; libcurl's detail names host and port, never the path or query.
    private static func describe(_ code: CURLcode, errno: Int32, detail: String, timeoutMs: Int) -> String {
        switch code {
        case CURLE_OPERATION_TIMEDOUT where detail.hasPrefix("Connection timed out"):
            "connect timed out after \(connectTimeout.milliseconds) ms"
        case CURLE_OPERATION_TIMEDOUT:
            "timed out after \(timeoutMs) ms"
        case CURLE_COULDNT_CONNECT where errno == ECONNREFUSED:
            "connection refused (\(detail))"
        case CURLE_COULDNT_RESOLVE_HOST:
            "DNS lookup failed (\(detail))"
        default:
            detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        }
    }

    func take() -> EasyHandle? {
        if let handle = idle.withLock({ $0.popLast() }) { return handle }
        return curl_easy_init().map(EasyHandle.init)
    }

    func giveBack(_ handle: EasyHandle) {
        let kept = idle.withLock { handles in
            guard handles.count < maxIdle else { return false }
            handles.append(handle)
            return true
        }
        if !kept { curl_easy_cleanup(handle.curl) }
    }
}
