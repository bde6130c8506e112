import D8Contracts
internal import D8PluginABI
import D8Core
import Logging

extension PluginInstance {
    /// Runs one task whose answer is wanted as it is written (the task object should carry
    /// `"stream": true`). `onDelta` gets each piece in OpenAI's chat.completion.chunk delta
    /// shape (`{"content":"Hel"}`, `{"tool_calls":[{"index":0,...}]}`), on the calling thread,
    /// as the provider sends it; returning false cancels the task (the client went away): the
    /// plugin stops reading and fails with the usage spent so far in the details.
    ///
    /// A plugin without `execute_stream` (an older table, or NULL) runs `execute`, and a
    /// success is handed over as one delta: the whole output, and its tool calls.
    public func executeStream(task: JSONValue, onDelta: (JSONValue) -> Bool) -> PluginOutcome {
        guard let executeStream = plugin.functions.executeStream else { return executeAsOneDelta(task: task, onDelta: onDelta) }
        var error = ErrorBuffer()
        let (status, emitted) = withoutActuallyEscaping(onDelta) { onDelta in
            let collector = StreamCollector(onDelta: onDelta, logger: logger)
            let status = task.jsonBytes.withUnsafeBufferPointer { bytes in
                error.withBuffer { err, cap in
                    withExtendedLifetime(collector) {
                        let context = Unmanaged.passUnretained(collector).toOpaque()
                        return executeStream(instance, d8_str(bytes), collectEmit, collectDelta, context, err, cap)
                    }
                }
            }
            return (status, collector.bytes)
        }
        return outcome(status: status, error: error, emitted: emitted)
    }

    /// `execute`, then its success as one delta. A client gone by then cancels the task all the
    /// same, with the result (and what it cost) in the details.
    private func executeAsOneDelta(task: JSONValue, onDelta: (JSONValue) -> Bool) -> PluginOutcome {
        let outcome = execute(task: task)
        guard case let .ok(result) = outcome else { return outcome }
        guard onDelta(WholeAnswerDelta.of(result)) else {
            var details = result.objectValue ?? [:]
            details["success"] = false
            return .fail(message: "cancelled by the client", details: .object(details))
        }
        return outcome
    }
}

/// An `EmitCollector` that also hands deltas to the caller's closure (escaping only in type:
/// `executeStream` keeps it within `withoutActuallyEscaping`, and only the calling thread uses it).
final class StreamCollector: EmitCollector {
    let onDelta: (JSONValue) -> Bool
    let logger: Logger

    init(onDelta: @escaping (JSONValue) -> Bool, logger: Logger) {
        self.onDelta = onDelta
        self.logger = logger
    }
}

/// The d8_chunk_fn for deltas: ctx is the call's StreamCollector. A delta that is not a JSON
/// object breaks the contract; it is dropped with a warning rather than passed on, and the
/// stream goes on (the final result still carries the whole output).
private func collectDelta(_ ctx: UnsafeMutableRawPointer?, _ bytes: d8_str) -> Int32 {
    guard let ctx else { return Int32(D8_FAIL.rawValue) }
    let collector = Unmanaged<StreamCollector>.fromOpaque(ctx).takeUnretainedValue()
    switch PluginInstance.parseObject(bytes.bytes) {
    case let .success(delta):
        return collector.onDelta(delta) ? Int32(D8_OK.rawValue) : Int32(D8_FAIL.rawValue)
    case let .failure(reason):
        collector.logger.warning("plugin emitted a delta that is not a JSON object: \(reason)")
        return Int32(D8_OK.rawValue)
    }
}
