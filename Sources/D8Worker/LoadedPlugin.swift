internal import D8PluginABI
import D8Core
import Logging
import Foundation

/// A plugin whose table passed every check. Its library is never closed, so its function
/// pointers and static strings stay valid for the life of the process.
public final class LoadedPlugin: @unchecked Sendable { // immutable after init, C table static, create/destroy under a lock
    public let path: String
    public let name: String
    public let version: String
    public let abiVersion: UInt32
    let functions: PluginFunctions
    /// create and destroy are [not thread-safe]: the ABI promises never to run two at once.
    private let lifecycle = NSLock()

    /// Destroys an instance, never while another create or destroy of this plugin runs.
    func destroy(_ instance: UnsafeMutableRawPointer) {
        lifecycle.withLock { functions.destroy(instance) }
    }

    init(path: String, name: String, version: String, abiVersion: UInt32, functions: PluginFunctions) {
        self.path = path
        self.name = name
        self.version = version
        self.abiVersion = abiVersion
        self.functions = functions
    }

    /// Creates one instance for one worker type from its settings (a JSON object). The plugin's
    /// log lines go to `logger`, tagged with the plugin name. Each instance gets its own
    /// `d8_host` (see `HostTable`), so the log callback reaches that instance's logger.
    public func makeInstance(config: JSONValue, logger: Logger) throws(PluginError) -> PluginInstance {
        var logger = logger
        logger[metadataKey: "plugin"] = "\(name)"
        let host = HostTable(logger: logger)
        var error = ErrorBuffer()
        let configBytes = config.jsonBytes
        let instance = configBytes.withUnsafeBufferPointer { bytes in
            error.withBuffer { err, cap in
                lifecycle.withLock { functions.create(host.pointer, d8_str(bytes), err, cap) }
            }
        }
        guard let instance else {
            throw .createFailed(path, message: error.message)
        }
        return PluginInstance(plugin: self, instance: instance, host: host, logger: logger)
    }
}

/// The checked, non-optional function pointers of a plugin table.
struct PluginFunctions {
    typealias Create = @convention(c) (UnsafePointer<d8_host>?, d8_str, UnsafeMutablePointer<CChar>?, Int) -> UnsafeMutableRawPointer?
    typealias Describe = @convention(c) (UnsafeMutableRawPointer?, d8_emit_fn?, UnsafeMutableRawPointer?) -> Int32
    typealias Execute = @convention(c) (UnsafeMutableRawPointer?, d8_str, d8_emit_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    typealias Destroy = @convention(c) (UnsafeMutableRawPointer?) -> Void
    typealias ExecuteStream = @convention(c) (
        UnsafeMutableRawPointer?, d8_str, d8_emit_fn?, d8_chunk_fn?, UnsafeMutableRawPointer?, UnsafeMutablePointer<CChar>?, Int) -> Int32

    let create: Create
    let describe: Describe
    let execute: Execute
    let destroy: Destroy
    /// Appended in d8 0.3: nil when the plugin's table is older (shorter) or leaves it NULL;
    /// streamed tasks then go through `execute`, answered as one delta.
    let executeStream: ExecuteStream?
}

extension d8_str {
    /// A borrowed view of `bytes`, valid while the buffer is.
    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.init(ptr: UnsafeRawPointer(bytes.baseAddress)?.assumingMemoryBound(to: CChar.self), len: bytes.count)
    }

    /// Copies the view into Swift memory (the view is only valid during the call that received it).
    var bytes: [UInt8] {
        guard let ptr, len > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: ptr, count: len))
    }
}
