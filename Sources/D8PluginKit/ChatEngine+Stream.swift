import D8JSON

extension ChatEngine {
    /// `execute`, streamed: the provider's stream request, each piece handed to `delta` as it
    /// is parsed, and the same result at the end. A stream that ends early still reports what it
    /// cost (in the details): cancelled by the client (fail), cut or malformed (retry), or an
    /// error event (retry or fail as the provider's error type says).
    public func executeStream(task: JSONValue, delta: (JSONValue) -> Bool) -> ProviderOutcome {
        let prompt: TaskPrompt, chat: ChatRequest, request: HTTPRequest
        switch prepare(task: task, stream: true) {
        case let .success(prepared): (prompt, chat, request) = prepared
        case let .failure(problem): return .fail(problem.description)
        }
        var parser = codec.streamParser()
        var head: HTTPResponse?
        var errorBody: [UInt8] = []
        var cancelled = false
        let end = host.stream(request, onHead: { head = $0 }, onChunk: { bytes in
            guard let status = head?.status, (200..<300).contains(status) else {
                errorBody += bytes
                return true
            }
            for piece in parser.feed(bytes) where !cancelled {
                cancelled = !delta(piece.json)
            }
            return !cancelled && parser.problem == nil
        })
        if case let .refused(reason) = end { return .fail("\(name): the host refused the request: \(reason)") }
        guard let head else {
            if case let .transportError(reason) = end { return .retry("\(name): request failed: \(reason)") }
            return .retry("\(name): request failed: no answer")
        }
        guard (200..<300).contains(head.status) else {
            return failure(HTTPResponse(status: head.status, headers: head.headers, body: errorBody))
        }
        let spent = { ChatDelta.spentOnly(.object(resultObject(Completion(from: parser.sofar, promptBytes: chat.promptBytes), chat: chat))) }
        if cancelled { return .fail("\(name): cancelled by the client", details: spent()) }
        if case let .transportError(reason) = end, parser.problem == nil {
            guard case let .failure(.cut(missing)) = parser.finish() else { return .retry("\(name): stream cut: \(reason)", details: spent()) }
            return .retry("\(name): stream cut (\(reason)): \(missing)", details: spent())
        }
        switch parser.finish() {
        case .success:
            // A stream without usage (some local servers) is estimated, and says so.
            return outcome(of: Completion(from: parser.sofar, promptBytes: chat.promptBytes), prompt: prompt, chat: chat)
        case let .failure(.cut(missing)):
            return .retry("\(name): stream cut: \(missing)", details: spent())
        case let .failure(.malformed(what)):
            return .retry("\(name): malformed stream: \(what)", details: spent())
        case let .failure(.providerError(retryable, message)):
            return retryable ? .retry("\(name): stream error: \(message)", details: spent()) : .fail("\(name): stream error: \(message)", details: spent())
        }
    }
}

extension Completion {
    /// A stream's completion so far, its usage estimated where the provider has not counted.
    init(from sofar: StreamAccumulator, promptBytes: Int) {
        self = sofar.completion
        usage = sofar.spent(promptBytes: promptBytes)
    }
}
