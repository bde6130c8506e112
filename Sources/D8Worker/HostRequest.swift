internal import D8PluginABI
import D8Client

/// A plugin's d8_http_request, checked and copied into Swift values (its views are borrowed for
/// the call only). Shared by `http` and `http_stream`.
struct HostRequest {
    let method: String
    let url: String
    let headers: [HTTPHeader]
    let body: [UInt8]
    let timeout: Duration?

    /// The request, or why it is refused before sending; `call` names the callback in the reason.
    static func read(_ request: UnsafePointer<d8_http_request>?, call: String) -> Result<HostRequest, ParseFailure> {
        guard let request else { return .failure(ParseFailure("\(call): the request is NULL")) }
        let req = request.pointee
        guard req.struct_size >= MemoryLayout<d8_http_request>.size else {
            return .failure(ParseFailure("\(call): struct_size \(req.struct_size) is smaller than this host's d8_http_request (\(MemoryLayout<d8_http_request>.size))"))
        }
        guard req.header_count == 0 || req.headers != nil else {
            return .failure(ParseFailure("\(call): headers is NULL but header_count is \(req.header_count)"))
        }
        guard let url = String(validating: req.url.bytes, as: UTF8.self) else { return .failure(ParseFailure("\(call): the URL is not UTF-8")) }
        let headers = (0..<req.header_count).map { i in
            HTTPHeader(name: String(decoding: req.headers[i].name.bytes, as: UTF8.self), value: String(decoding: req.headers[i].value.bytes, as: UTF8.self))
        }
        return .success(HostRequest(
            method: String(decoding: req.method.bytes, as: UTF8.self), url: url, headers: headers, body: req.body.bytes,
            timeout: req.timeout_ms == 0 ? nil : .milliseconds(req.timeout_ms)))
    }
}
