import D8Core
import D8Store
import D8Wire
import Hummingbird

/// The streamed answer: SSE `chat.completion.chunk`s as the worker relays deltas, ending in
/// `data: [DONE]`. A client that goes away cancels its task (the worker hears it at its
/// next delta); what was spent still counts.
extension ChatExchange {
    func streamed() async throws -> Response {
        var answeredHere = true // until the response's body takes over
        defer { if answeredHere { answered() } }
        let stream: TaskStream
        switch orchestrator.subscribe(taskID: taskID) {
        case let .live(live): stream = live
        case let .finished(record): return try finishedStream(record)
        case .stored: return try finishedStream(try await orchestrator.task(taskID, for: viewer).record)
        }
        let clock = Task { [timeout, keepalive] in
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                try? await Task.sleep(for: min(keepalive, deadline - ContinuousClock.now))
                if Task.isCancelled { return }
                stream.send(ContinuousClock.now < deadline ? .keepalive : .timedOut)
            }
        }
        // Before the status line: wait for a token, the end, or the keep-alive.
        var first: StreamEvent?
        for await event in stream.events {
            if case .attemptFailed = event { continue } // the next worker type takes over
            first = event
            break
        }
        switch first {
        case .deltas?, .keepalive?:
            break
        case let .finished(record)?:
            clock.cancel()
            return try finishedStream(record)
        case .movedAway?:
            clock.cancel()
            return try finishedStream(try await followElsewhere())
        case .timedOut?, .attemptFailed?, nil:
            clock.cancel()
            orchestrator.leaveStream(taskID: taskID)
            throw failure(of: try await orchestrator.task(taskID, for: viewer).record)
        }
        var headers = Self.sseHeaders
        headers.append(contentsOf: self.headers(try? await orchestrator.task(taskID, for: viewer).record))
        let (exchange, firstEvent) = (self, first)
        answeredHere = false
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sse = SSEWriter(writer: writer, answer: exchange.answer, includeUsage: exchange.includeUsage)
            defer { clock.cancel(); exchange.orchestrator.leaveStream(taskID: exchange.taskID); exchange.answered() }
            do {
                var pending = firstEvent
                var events = stream.events.makeAsyncIterator()
                while true {
                    let next: StreamEvent?
                    if let waiting = pending { next = waiting } else { next = await events.next() }
                    guard let event = next else { break }
                    pending = nil
                    if try await exchange.handle(event, with: &sse) { return }
                }
                // The stream closed without an end: the request is going away.
                throw CancellationError()
            } catch {
                // The client left (or the connection broke): its task is not wanted any more.
                _ = try? await exchange.orchestrator.cancel(taskID: exchange.taskID, by: exchange.viewer)
                throw error
            }
        })
    }

    /// One event of a started stream; true when the stream has ended.
    private func handle(_ event: StreamEvent, with sse: inout SSEWriter) async throws -> Bool {
        switch event {
        case let .deltas(deltas):
            for delta in deltas { try await sse.delta(delta) }
        case .keepalive:
            try await sse.comment(sse.started ? "keepalive" : "queued")
        case let .attemptFailed(message):
            guard sse.started else { return false } // no token sent yet: the next attempt streams
            try await sse.error(OpenAIError(status: 502, "the provider failed mid-answer: \(message)", type: "api_error", code: "upstream_error"))
            _ = try? await orchestrator.cancel(taskID: taskID, by: viewer)
            return true
        case let .finished(record):
            guard record.status == .completed else {
                try await sse.error(failure(of: record))
                return true
            }
            try await sse.finish(result: record.result.flatMap { try? JSONValue.parse($0) } ?? [:])
            return true
        case .timedOut:
            guard !sse.started else { return false } // tokens flow: the task's own timeout bounds it
            try await sse.error(failure(of: try await orchestrator.task(taskID, for: viewer).record))
            return true
        case .movedAway:
            return try await handle(.finished(try await followElsewhere()), with: &sse)
        }
        return false
    }

    /// The task runs at another node of the cluster: its final record, read from the database
    /// (or the record as it stands when the request's time runs out).
    private func followElsewhere() async throws -> TaskRecord {
        try await orchestrator.waitUntilFinished(taskID, wait: timeout, for: viewer).record
    }

    /// A task that finished before any delta reached this request (a fast worker, a plugin
    /// without streaming, an idempotent repeat): its answer as one stream, or its error status.
    private func finishedStream(_ record: TaskRecord) throws -> Response {
        orchestrator.leaveStream(taskID: taskID)
        guard record.status == .completed else { throw failure(of: record) }
        var headers = Self.sseHeaders
        headers.append(contentsOf: self.headers(record))
        let (answer, includeUsage) = (self.answer, self.includeUsage)
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            var sse = SSEWriter(writer: writer, answer: answer, includeUsage: includeUsage)
            try await sse.finish(result: record.result.flatMap { try? JSONValue.parse($0) } ?? [:])
        })
    }

    static let sseHeaders: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
}
