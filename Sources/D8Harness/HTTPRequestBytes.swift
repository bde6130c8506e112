/// An HTTP/1.1 request as bytes: `Host` and `Content-Length` are added unless `raw` is set.
public func httpRequest(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [], raw: Bool = false) -> [UInt8] {
    var head = "\(method) \(target) HTTP/1.1\r\n"
    if !raw { head += "Host: 127.0.0.1\r\nContent-Length: \(body.count)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    return Array((head + "\r\n").utf8) + body
}
