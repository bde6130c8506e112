import D8Core

/// A worker's result for one task, with the lease it was handed out with: the body of
/// `POST /api/tasks/{task_id}/result`, of D8's `POST /api/workers/results`, and one element of
/// `POST /api/workers/{worker_id}/results`.
public struct ResultReport: Sendable, Equatable {
    public let taskID: String
    public let workerID: String
    public let lease: String?
    /// `{"success": true, "output": ...}` or `{"success": false, "error": ..., "retryable": ...}`.
    public let result: JSONValue

    public init(taskID: String, workerID: String, lease: String?, result: JSONValue) {
        self.taskID = taskID
        self.workerID = workerID
        self.lease = lease
        self.result = result
    }

    /// Reads a report; `taskID` and `workerID` come from the path when it has them, else from
    /// the body. `result.success` must say how the task went.
    public init(json body: [String: JSONValue], taskID: String? = nil, workerID: String? = nil) throws(WireError) {
        // `??` cannot carry a typed throw, hence the spelled-out choices.
        let taskID = if let taskID { taskID } else { try body.requiredString("task_id") }
        let workerID = if let workerID { workerID } else { try body.requiredString("worker_id") }
        let result = try body.requiredObject("result")
        guard result["success"]?.boolValue != nil else { throw WireError(.missingField, "missing field 'result.success' (true or false)") }
        self.init(taskID: taskID, workerID: workerID, lease: try body.optionalString("lease"), result: result)
    }

    /// The body, every field named (a path that repeats one is not contradicted).
    public var json: JSONValue {
        var body: [String: JSONValue] = ["task_id": .string(taskID), "worker_id": .string(workerID), "result": result]
        if let lease { body["lease"] = .string(lease) }
        return .object(body)
    }
}

/// What the orchestrator made of one report: the single endpoint's answer, and each element of
/// the batch endpoint's `results`.
public struct ResultOutcome: Sendable, Equatable {
    public let taskID: String
    /// "received" (or "duplicate", a repeat of an accepted report), or "refused".
    public let status: String
    /// For a refusal: the status the single endpoint would have answered (409 for a lost lease),
    /// d8's error code and the reason.
    public let httpStatus: Int?
    public let code: String?
    public let error: String?

    public var isRefused: Bool { status == "refused" }

    public init(taskID: String, status: String) {
        self.init(taskID: taskID, status: status, httpStatus: nil, code: nil, error: nil)
    }

    public static func refused(_ taskID: String, httpStatus: Int, code: String, error: String) -> ResultOutcome {
        ResultOutcome(taskID: taskID, status: "refused", httpStatus: httpStatus, code: code, error: error)
    }

    private init(taskID: String, status: String, httpStatus: Int?, code: String?, error: String?) {
        self.taskID = taskID
        self.status = status
        self.httpStatus = httpStatus
        self.code = code
        self.error = error
    }

    public init(json: JSONValue) throws(WireError) {
        guard let taskID = json["task_id"]?.stringValue, let status = json["status"]?.stringValue else {
            throw WireError(.missingField, "a result outcome without task_id or status: \(json.jsonString.prefix(200))")
        }
        self.init(taskID: taskID, status: status, httpStatus: json["http_status"]?.intValue,
                  code: json["code"]?.stringValue, error: json["error"]?.stringValue)
    }

    public var json: JSONValue {
        var body: [String: JSONValue] = ["task_id": .string(taskID), "status": .string(status)]
        if let httpStatus { body["http_status"] = JSONValue(httpStatus) }
        if let code { body["code"] = .string(code) }
        if let error { body["error"] = .string(error) }
        return .object(body)
    }
}
