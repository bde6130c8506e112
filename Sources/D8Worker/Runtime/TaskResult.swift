import D8Core

/// A plugin's outcome as the result body the orchestrator takes.
enum TaskResult {
    static func body(for outcome: PluginOutcome) -> JSONValue {
        switch outcome {
        case let .ok(value):
            var object = value.objectValue ?? [:]
            if object["success"] == nil { object["success"] = true }
            return .object(object)
        case let .retry(message, details):
            return failure(message, retryable: true, details: details)
        case let .fail(message, details):
            return failure(message, retryable: false, details: details)
        }
    }

    /// `retry_after` (seconds) is what the orchestrator's backoff honours; the plugin's own
    /// details (`http_status`, …) are kept beside it.
    private static func failure(_ message: String, retryable: Bool, details: JSONValue?) -> JSONValue {
        var object = details?.objectValue ?? [:]
        object["success"] = false
        object["error"] = .string(message)
        object["retryable"] = .bool(retryable)
        if let after = object["retry_after_s"]?.doubleValue { object["retry_after"] = .number(after) }
        return .object(object)
    }

    /// Input plus output tokens, as the provider counted them.
    static func tokens(in body: JSONValue) -> Int {
        (body["usage"]?["input_tokens"]?.intValue ?? 0) + (body["usage"]?["output_tokens"]?.intValue ?? 0)
    }
}
