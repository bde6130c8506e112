import D8Core
import D8Store
import D8Wire
import Hummingbird

/// One front-door request waiting for its task: answered whole when the task finishes, or
/// streamed as its worker writes. The status line waits for the first token, so a failed
/// attempt before it goes to the next worker type unseen; only a request still queued after
/// `keepalive` gets its 200 early, with `: queued` comments.
struct ChatExchange: Sendable {
    let orchestrator: Orchestrator
    let taskID: String
    let viewer: Viewer
    let answer: ChatCompletion
    let includeUsage: Bool
    let timeout: Duration
    let keepalive: Duration
    /// Called once the answer (or its error) is out: a hang-up no longer cancels the task.
    let answered: @Sendable () -> Void

    /// `stream: false`: the completion once the task is done.
    func whole() async throws -> Response {
        defer { answered() }
        let view = try await orchestrator.waitUntilFinished(taskID, wait: timeout, for: viewer)
        let record = view.record
        guard record.status == .completed else { throw failure(of: record) }
        let result = record.result.flatMap { try? JSONValue.parse($0) } ?? [:]
        var response = Response.json(answer.completion(result: result))
        response.headers.append(contentsOf: headers(record))
        return response
    }

    /// Why a task gave no answer, in OpenAI's shape: the wait ran out (504, the task goes on and
    /// its id says where to look), every worker type failed (502), or it was cancelled (409).
    func failure(of record: TaskRecord) -> OpenAIError {
        switch record.status {
        case .pending, .assigned, .held:
            return OpenAIError(status: 504, "d8 waited \(Int(timeout.seconds)) s for task \(record.taskID) (\(record.status.rawValue)); it goes on: GET /api/tasks/status/\(record.taskID) has its result",
                               type: "timeout_error", code: "timeout")
        case .expired:
            return OpenAIError(status: 504, "task \(record.taskID) was not started within the wait of \(Int(timeout.seconds)) s; \(Self.lastError(record) ?? "")",
                               type: "timeout_error", code: "timeout")
        case .cancelled:
            return OpenAIError(status: 409, "task \(record.taskID) was cancelled", type: "invalid_request_error", code: "cancelled")
        case .failed, .dead, .completed:
            return OpenAIError(status: 502, "every worker type failed task \(record.taskID): \(Self.lastError(record) ?? "no error was kept")",
                               type: "api_error", code: "upstream_error")
        }
    }

    static func lastError(_ record: TaskRecord) -> String? {
        (try? JSONValue.parse(record.errors))?.arrayValue?.last?["error"]?.stringValue
    }

    /// The headers every answer carries; the worker type and cost as far as they are known.
    func headers(_ record: TaskRecord?) -> HTTPFields {
        var fields: HTTPFields = [FrontDoorHeader.taskID: taskID, FrontDoorHeader.requestID: answer.id]
        if let type = record?.workerType { fields[FrontDoorHeader.workerType] = type }
        if let cost = record?.costUSD { fields[FrontDoorHeader.cost] = "\(cost)" }
        return fields
    }
}
