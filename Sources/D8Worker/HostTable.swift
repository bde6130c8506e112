internal import CCore
import Logging

/// The `d8_host` handed to one instance's `create`: the host's callbacks for that instance.
///
/// Lifetime: the ABI lets an instance keep the host pointer until `destroy` returns. The table
/// is owned by its `PluginInstance`, whose `deinit` calls `destroy` before its stored properties
/// (this table among them) are released, so the pointer outlives every use. If `create` fails
/// the table is dropped at once: no instance exists to hold it.
final class HostTable: @unchecked Sendable { // immutable after init; the C struct is only read by the plugin
    let pointer: UnsafeMutablePointer<d8_host>
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        pointer = .allocate(capacity: 1)
        // host_data is this object, unretained: it lives at least as long as the struct it is in.
        pointer.initialize(to: d8_host(
            struct_size: UInt32(MemoryLayout<d8_host>.size),
            abi_version: UInt32(D8_PLUGIN_ABI_VERSION),
            host_data: nil,
            log: hostLog,
            http: hostHTTP
        ))
        pointer.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        pointer.deinitialize(count: 1)
        pointer.deallocate()
    }
}

/// `d8_host.log` [thread-safe]: finds its table through host_data (valid while the struct is,
/// see `HostTable`) and logs through the instance's Logger, which is a Sendable value.
private func hostLog(_ host: UnsafePointer<d8_host>?, _ level: Int32, _ message: d8_str) {
    guard let data = host?.pointee.host_data else { return }
    let table = Unmanaged<HostTable>.fromOpaque(data).takeUnretainedValue()
    let text = String(decoding: message.bytes, as: UTF8.self)
    table.logger.log(level: logLevel(level), "\(text)")
}

private func logLevel(_ level: Int32) -> Logger.Level {
    switch UInt32(bitPattern: level) {
    case D8_LOG_TRACE.rawValue: .trace
    case D8_LOG_DEBUG.rawValue: .debug
    case D8_LOG_INFO.rawValue: .info
    case D8_LOG_WARNING.rawValue: .warning
    default: .error // D8_LOG_ERROR, and unknown levels are not dropped
    }
}

/// `d8_host.http` [thread-safe]: not in this slice. The next step is a libcurl transport
/// (connection reuse, TLS, proxies, timeouts in one place); until then every request is refused
/// before sending, which the ABI reports as D8_FAIL with the reason in err, on_response uncalled.
private func hostHTTP(
    _ host: UnsafePointer<d8_host>?, _ request: UnsafePointer<d8_http_request>?, _ onResponse: d8_http_response_fn?,
    _ ctx: UnsafeMutableRawPointer?, _ err: UnsafeMutablePointer<CChar>?, _ errCapacity: Int
) -> Int32 {
    ErrorBuffer.write("this worker has no HTTP transport yet", to: err, capacity: errCapacity)
    return Int32(D8_FAIL.rawValue)
}
