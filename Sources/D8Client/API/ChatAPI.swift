import D8Core
import D8Wire

/// The front door as a client sees it: `POST /v1/chat/completions`, whole or streamed. Each
/// call blocks the calling thread (libcurl).
///
/// A request goes to the next of `orchestrators` when the one in use could not be reached
/// before anything was sent (or, with an `Idempotency-Key`, whenever it is down).
public struct ChatAPI: Sendable {
    public let orchestrators: FailoverEndpoints
    /// A streamed answer may take long; the front door's own wait bound applies first.
    static let timeout: Duration = .seconds(600)

    public init(endpoint: APIEndpoint) { self.init(orchestrators: FailoverEndpoints(endpoint)) }

    public init(orchestrators: FailoverEndpoints) { self.orchestrators = orchestrators }

    /// The orchestrator in use.
    public var endpoint: APIEndpoint { orchestrators.inUse.endpoint }

    /// The whole `chat.completion`.
    package func complete(_ request: JSONValue, headers: [HTTPHeader] = []) -> Result<JSONValue, APICallError> {
        let keyed = headers.contains { $0.name.lowercased() == "idempotency-key" }
        return orchestrators.call(resend: keyed ? .always : .ifNotSent) {
            $0.endpoint.call("POST", Route.chatCompletions.path, body: request, headers: headers, timeout: Self.timeout)
        }
    }

    /// What a streamed answer came to, besides its text.
    public struct StreamEnd: Sendable {
        public var taskID: String?
        public var workerType: String?
        public var finishReason: String?
        /// The usage chunk's, when the request asked for it.
        public var usage: JSONValue?
    }

    /// Streams the answer: `onText` gets each piece of content as it arrives.
    package func stream(_ request: JSONValue, headers extra: [HTTPHeader] = [], onText: (String) -> Void) -> Result<StreamEnd, APICallError> {
        // Text already written out cannot be taken back: only a request that never left is sent again.
        orchestrators.call(resend: .ifNotSent) { stream(request, to: $0.endpoint, headers: extra, onText: onText) }
    }

    private func stream(_ request: JSONValue, to endpoint: APIEndpoint, headers extra: [HTTPHeader], onText: (String) -> Void) -> Result<StreamEnd, APICallError> {
        var body = request.objectValue ?? [:]
        body["stream"] = true
        var headers = endpoint.headers(json: true) + extra
        headers.append(HTTPHeader(name: "Accept", value: "text/event-stream"))
        var status = 0
        var errorBody: [UInt8] = []
        var reader = SSEReader()
        var end = StreamEnd()
        var failure: APICallError?
        let (ended, connected) = HTTPTransport.shared.streamNotingConnection(
            method: "POST", url: endpoint.baseURL + Route.chatCompletions.path, headers: headers, body: JSONValue.object(body).jsonBytes,
            timeout: Self.timeout,
            onHead: { head in
                status = head.status
                end.taskID = head.header("x-d8-task-id")
                end.workerType = head.header("x-d8-worker-type")
            },
            onChunk: { bytes in
                guard status == 200 else { errorBody += bytes; return true }
                for event in reader.feed(bytes) {
                    guard event != "[DONE]", let chunk = try? JSONValue.parse(Array(event.utf8)) else { continue }
                    if let error = chunk["error"] {
                        failure = .rejected(status: 200, code: error["code"]?.stringValue, message: error["message"]?.stringValue ?? event)
                        return false
                    }
                    let choice = chunk["choices"]?.arrayValue?.first
                    if let text = choice?["delta"]?["content"]?.stringValue, !text.isEmpty { onText(text) }
                    if let reason = choice?["finish_reason"]?.stringValue { end.finishReason = reason }
                    if let usage = chunk["usage"], usage != .null { end.usage = usage }
                }
                return true
            })
        if let failure { return .failure(failure) }
        switch ended {
        case let .refused(reason), let .transportError(reason, _):
            return .failure(.unreachable(url: endpoint.baseURL, reason: reason, requestSent: connected))
        case .completed, .stopped:
            guard status == 200 else { return .failure(APIEndpoint.rejection(status: status, body: errorBody)) }
            return .success(end)
        }
    }
}

/// Server-sent events from arbitrary pieces of a body: the `data:` payload of each event.
package struct SSEReader {
    private var pending: [UInt8] = []

    package init() {}

    package mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [String] {
        pending += bytes
        var events: [String] = []
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingSuffix("\r")
            pending.removeSubrange(...newline)
            if line.hasPrefix("data:") { events.append(String(line.dropFirst(5)).trimmingPrefix(" ")) }
        }
        return events
    }
}

private extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
    func trimmingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
