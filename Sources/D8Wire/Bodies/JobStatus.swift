import D8Core

/// A job as `GET /api/jobs/{id}` answers it: counts, progress, cost so far and, when asked
/// for, each task's outcome in submission order. The submit's answer reads as one too (with
/// nothing finished yet).
public struct JobStatus: Sendable, Equatable {
    /// One task of the job: its result when it completed, its last error otherwise.
    public struct Outcome: Sendable, Equatable {
        public let taskID: String
        public let state: TaskState
        public let result: JSONValue?
        public let error: String?

        public init(taskID: String, state: TaskState, result: JSONValue?, error: String?) {
            (self.taskID, self.state, self.result, self.error) = (taskID, state, result, error)
        }
    }

    public let jobID: String
    public let name: String?
    public let total: Int
    public let finished: Int
    public let failures: Int
    public let costUSD: Double
    public let cacheHits: Int
    /// Tasks by d8's state name.
    public let counts: [String: Int]
    /// Empty when the answer left them out (`results=false`, or the submit's answer).
    public let results: [Outcome]

    public var isDone: Bool { finished == total }

    public init(json: JSONValue) throws(WireError) {
        guard let jobID = json["job_id"]?.stringValue, let total = json["total"]?.intValue else {
            throw WireError(.missingField, "a job without job_id or total: \(json.jsonString.prefix(200))")
        }
        self.jobID = jobID
        self.total = total
        name = json["name"]?.stringValue
        finished = json["finished"]?.intValue ?? 0
        failures = json["failures"]?.intValue ?? 0
        costUSD = json["cost_usd"]?.doubleValue ?? 0
        cacheHits = json["cache_hits"]?.intValue ?? 0
        counts = (json["counts"]?.objectValue ?? [:]).compactMapValues(\.intValue)
        results = (json["results"]?.arrayValue ?? []).map { item in
            Outcome(taskID: item["task_id"]?.stringValue ?? "",
                    state: TaskState(rawValue: item["d8_status"]?.stringValue ?? item["status"]?.stringValue ?? ""),
                    result: item["result"].flatMap { $0 == .null ? nil : $0 },
                    error: item["error"]?.stringValue)
        }
    }
}

extension JobStatus.Outcome {
    /// One element of a job's `results`, as the orchestrator writes it and `d8 job submit --wait`
    /// prints it.
    public var json: JSONValue {
        ["task_id": .string(taskID), "status": .string(state.olderWord.rawValue), "d8_status": .string(state.rawValue),
         "result": result ?? .null, "error": JSONValue(error)]
    }
}
