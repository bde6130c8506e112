internal import D8PluginABI
import D8Core
import Logging

/// One plugin instance (one worker type), owning the C instance pointer: `destroy` runs in
/// `deinit`, once, after every `execute` has returned (a call in progress holds a reference).
public final class PluginInstance: @unchecked Sendable { // describe/execute are [thread-safe] per the ABI; the rest is immutable
    public let plugin: LoadedPlugin
    let instance: UnsafeMutableRawPointer
    private let host: HostTable // must outlive `destroy`: released after deinit's body
    let logger: Logger

    init(plugin: LoadedPlugin, instance: UnsafeMutableRawPointer, host: HostTable, logger: Logger) {
        self.plugin = plugin
        self.instance = instance
        self.host = host
        self.logger = logger
    }

    deinit { plugin.destroy(instance) }

    /// The plugin's self-description: name, version, task types, models with prices, limits.
    public func describe() throws(PluginError) -> JSONValue {
        let collector = EmitCollector()
        let status = withExtendedLifetime(collector) {
            plugin.functions.describe(instance, collectEmit, Unmanaged.passUnretained(collector).toOpaque())
        }
        guard status == Int32(D8_OK.rawValue), let bytes = collector.bytes else { throw .describeFailed(plugin.path) }
        switch Self.parseObject(bytes) {
        case let .success(value): return value
        case let .failure(reason): throw .invalidDescription(plugin.path, reason: reason.description)
        }
    }

    /// Runs one task (the leased task as JSON). Safe to call from many threads at once.
    public func execute(task: JSONValue) -> PluginOutcome {
        let collector = EmitCollector()
        var error = ErrorBuffer()
        let status = task.jsonBytes.withUnsafeBufferPointer { bytes in
            error.withBuffer { err, cap in
                withExtendedLifetime(collector) {
                    plugin.functions.execute(instance, d8_str(bytes), collectEmit, Unmanaged.passUnretained(collector).toOpaque(), err, cap)
                }
            }
        }
        return outcome(status: status, error: error, emitted: collector.bytes)
    }

    /// The ABI's status and what was emitted, as an outcome.
    func outcome(status: Int32, error: ErrorBuffer, emitted bytes: [UInt8]?) -> PluginOutcome {
        let emitted = bytes.map(Self.parseObject)
        switch status {
        case Int32(D8_OK.rawValue):
            switch emitted {
            case let .success(value)?: return .ok(value)
            case let .failure(reason)?: return contractBroken("plugin returned invalid JSON: \(reason)")
            case nil: return contractBroken("plugin returned invalid JSON: it reported success but emitted no result")
            }
        case Int32(D8_RETRY.rawValue):
            return .retry(message: Self.message(error, or: "plugin asked for a retry without a reason"), details: try? emitted?.get())
        case Int32(D8_FAIL.rawValue):
            return .fail(message: Self.message(error, or: "plugin failed without a reason"), details: try? emitted?.get())
        default:
            return .fail(message: "plugin returned unknown status \(status)", details: nil)
        }
    }

    /// D8_OK without a JSON object: a plugin bug, or a provider answer cut short or garbled on
    /// its way through one. Either way it costs an attempt, not the task: a glitch passes on
    /// the next attempt, and a plugin that always does it ends each task `dead` after
    /// max_attempts with the reason kept. Worth a warning in the worker's log too.
    private func contractBroken(_ message: String) -> PluginOutcome {
        logger.warning("\(message)")
        return .retry(message: message, details: nil)
    }

    private static func message(_ error: ErrorBuffer, or fallback: String) -> String {
        let text = error.message
        return text.isEmpty ? fallback : text
    }

    /// A JSON object, or why the bytes are not one.
    static func parseObject(_ bytes: [UInt8]) -> Result<JSONValue, ParseFailure> {
        do throws(JSONParseError) {
            let value = try JSONValue.parse(bytes)
            guard case .object = value else { return .failure(ParseFailure("expected an object, got \(value.kindDescription)")) }
            return .success(value)
        } catch {
            return .failure(ParseFailure(error.reason))
        }
    }
}

/// A reason, as an Error so that it fits in a Result.
struct ParseFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Collects what a plugin emits during one call. A contract-breaking second emit is ignored.
/// Only the calling thread touches it (the ABI calls emit before the call returns).
class EmitCollector {
    var bytes: [UInt8]?
}

/// The d8_emit_fn: ctx is an unretained EmitCollector kept alive by withExtendedLifetime around
/// the call, and the view is copied before returning, as the ABI requires.
func collectEmit(_ ctx: UnsafeMutableRawPointer?, _ json: d8_str) {
    guard let ctx else { return }
    let collector = Unmanaged<EmitCollector>.fromOpaque(ctx).takeUnretainedValue()
    if collector.bytes == nil { collector.bytes = json.bytes }
}
