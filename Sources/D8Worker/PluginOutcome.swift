import D8Core

/// The result of one `execute`, in the ABI's three outcomes.
public enum PluginOutcome: Sendable, Equatable {
    /// D8_OK: the result object (`success`, `output`, `model`, `usage`, `cost_usd`, ...).
    case ok(JSONValue)
    /// D8_RETRY: transient; `details` is the optional `{"retry_after_s":N,"http_status":429}`.
    case retry(message: String, details: JSONValue?)
    /// D8_FAIL, or a plugin that broke the contract (no result, invalid JSON, unknown status).
    case fail(message: String, details: JSONValue?)
}
