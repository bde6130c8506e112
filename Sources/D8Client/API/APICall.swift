import D8Core
import D8Wire
import Foundation

/// How one call to the orchestrator's API ended, when it did not succeed.
public enum APICallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No HTTP answer: the orchestrator is down, restarting or unreachable. `requestSent` is
    /// false when no connection was made (refused, DNS, connect timeout): then the orchestrator
    /// cannot have seen the request, and sending it elsewhere is safe.
    case unreachable(url: String, reason: String, requestSent: Bool = true)
    /// An HTTP answer other than the one expected, with d8's `{"error","code"}` when it sent one.
    case rejected(status: Int, code: String?, message: String)

    public var description: String {
        switch self {
        case let .unreachable(url, reason, _): "cannot reach the orchestrator at \(url): \(reason)"
        case let .rejected(status, _, message): "the orchestrator answered \(status): \(message)"
        }
    }

    /// The status of a rejection, nil when the orchestrator was not reached.
    public var status: Int? { if case let .rejected(status, _, _) = self { status } else { nil } }

    /// d8's error code of a rejection (`stale_lease`, …); nil when the answer had none.
    public var code: String? { if case let .rejected(_, code, _) = self { code } else { nil } }
}

/// One orchestrator, reached over the shared libcurl transport: the base URL and the bearer token.
public struct APIEndpoint: Sendable {
    public let baseURL: String
    let token: String?

    /// `baseURL` like "http://127.0.0.1:7001" (a trailing slash is dropped).
    public init(baseURL: String, token: String?) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends one request and returns the JSON body of a 2xx answer. `timeout` bounds the whole
    /// exchange (a long-poll passes its wait plus a margin).
    package func call(_ route: Route, _ parameters: String..., query: String? = nil, body: JSONValue? = nil, timeout: Duration) -> Result<JSONValue, APICallError> {
        var path = route.path(parameters)
        if let query { path += "?" + query }
        return call(route.method, path, body: body, timeout: timeout)
    }

    package func call(_ method: String, _ path: String, body: JSONValue? = nil, headers extra: [HTTPHeader] = [], timeout: Duration) -> Result<JSONValue, APICallError> {
        var headers = self.headers(json: body != nil) + extra
        headers.append(HTTPHeader(name: "Accept", value: "application/json"))
        let url = baseURL + path
        let (result, connected) = HTTPTransport.shared.sendNotingConnection(method: method, url: url, headers: headers, body: body?.jsonBytes ?? [], timeout: timeout)
        switch result {
        case let .refused(reason), let .transportError(reason):
            return .failure(.unreachable(url: baseURL, reason: reason, requestSent: connected))
        case let .response(answer):
            guard (200..<300).contains(answer.status) else { return .failure(Self.rejection(status: answer.status, body: answer.body)) }
            return .success((try? JSONValue.parse(answer.body)) ?? .null)
        }
    }

    /// The bearer token, and the content type of a JSON body.
    package func headers(json: Bool) -> [HTTPHeader] {
        var headers: [HTTPHeader] = []
        if json { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
        if let token { headers.append(HTTPHeader(name: "Authorization", value: "Bearer \(token)")) }
        return headers
    }

    /// A non-2xx answer in words: d8's `{"error","code"}`, OpenAI's `{"error":{"message","code"}}`,
    /// or the start of whatever else came.
    package static func rejection(status: Int, body: [UInt8]) -> APICallError {
        let json = (try? JSONValue.parse(body)) ?? .null
        if let error = json["error"], case .object = error {
            return .rejected(status: status, code: error["code"]?.stringValue, message: error["message"]?.stringValue ?? "")
        }
        let message = json["error"]?.stringValue ?? String(decoding: body.prefix(200), as: UTF8.self)
        return .rejected(status: status, code: json["code"]?.stringValue, message: message)
    }
}
