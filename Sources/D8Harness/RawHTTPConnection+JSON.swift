import D8Core

/// JSON requests for the load generators of the benchmarks: there a broken connection or a
/// silent orchestrator ends the run, so failures stop the program instead of being thrown.
extension RawHTTPConnection {
    /// A connection that waits up to `timeout` for each answer (long-polls included).
    public static func connected(port: Int, timeout: Duration = .seconds(120)) -> RawHTTPConnection {
        do { return try RawHTTPConnection(port: port, timeout: timeout) } catch { fatalError("127.0.0.1:\(port): \(error)") }
    }

    /// Sends `json` (if any) and returns the status and the parsed JSON body (null if none).
    public func request(_ method: String, _ path: String, json: JSONValue? = nil) -> (status: Int, body: JSONValue) {
        let headers = json == nil ? [] : [("Content-Type", "application/json")]
        do {
            let response = try request(httpRequest(method, path, headers: headers, body: json.map(\.jsonBytes) ?? []))
            return (response.status, (try? JSONValue.parse(response.body)) ?? .null)
        } catch {
            fatalError("\(method) \(path): \(error)")
        }
    }
}
