/// Why a plugin could not be loaded, created or described: one line naming the file and the
/// reason, fit for a log line or `d8 plugins`. A struct over a private code so that cases can be
/// added without breaking callers (after AsyncHTTPClient's `HTTPClientError`).
public struct PluginError: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Equatable {
        case notSharedObject(String)
        case noEntrySymbol
        case entryReturnedNull(hostABI: UInt32)
        case abiMismatch(plugin: UInt32, host: UInt32)
        case tableTooSmall(size: UInt32, needed: Int)
        case incompleteTable(missing: String)
        case createFailed(String)
        case describeFailed
        case invalidDescription(String)
        case notFound(plugin: String, found: [String])
    }

    private let code: Code
    /// The plugin file, as given to `PluginLoader.load(path:)`.
    public let path: String

    private init(_ code: Code, path: String) {
        self.code = code
        self.path = path
    }

    public var description: String { "\(path): \(reason)" }

    /// The reason alone, without the file.
    public var reason: String {
        switch code {
        case let .notSharedObject(dlerror): "not a loadable shared object (\(dlerror))"
        case .noEntrySymbol: "no d8_plugin_entry symbol: not a d8 plugin"
        case let .entryReturnedNull(host): "d8_plugin_entry returned NULL for this host's ABI \(host)"
        case let .abiMismatch(plugin, host): "built for ABI \(plugin), this host speaks ABI \(host)"
        case let .tableTooSmall(size, needed): "plugin table is \(size) bytes, ABI 1 needs at least \(needed)"
        case let .incompleteTable(missing): "plugin table has no \(missing)"
        case let .createFailed(message): "create failed: \(message)"
        case .describeFailed: "describe failed"
        case let .invalidDescription(reason): "describe returned invalid JSON: \(reason)"
        case let .notFound(plugin, found):
            "no plugin named '\(plugin)' here (expected lib\(PluginLoader.filePrefix)\(plugin).so; "
                + (found.isEmpty ? "no plugin loads from this folder)" : "found: \(found.joined(separator: ", ")))")
        }
    }

    static func notSharedObject(_ path: String, dlerror: String) -> PluginError {
        // glibc starts its message with the path; say it once.
        var text = Substring(dlerror)
        if text.hasPrefix(path + ": ") { text = text.dropFirst(path.count + 2) }
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return PluginError(.notSharedObject(oneLine), path: path)
    }
    static func noEntrySymbol(_ path: String) -> PluginError { PluginError(.noEntrySymbol, path: path) }
    static func entryReturnedNull(_ path: String, hostABI: UInt32) -> PluginError {
        PluginError(.entryReturnedNull(hostABI: hostABI), path: path)
    }
    static func abiMismatch(_ path: String, plugin: UInt32, host: UInt32) -> PluginError {
        PluginError(.abiMismatch(plugin: plugin, host: host), path: path)
    }
    static func tableTooSmall(_ path: String, size: UInt32, needed: Int) -> PluginError {
        PluginError(.tableTooSmall(size: size, needed: needed), path: path)
    }
    static func incompleteTable(_ path: String, missing: String) -> PluginError {
        PluginError(.incompleteTable(missing: missing), path: path)
    }
    static func createFailed(_ path: String, message: String) -> PluginError {
        PluginError(.createFailed(message.isEmpty ? "no reason given" : message), path: path)
    }
    static func describeFailed(_ path: String) -> PluginError { PluginError(.describeFailed, path: path) }
    static func notFound(_ directory: String, plugin: String, found: [String]) -> PluginError {
        PluginError(.notFound(plugin: plugin, found: found), path: directory)
    }
    static func invalidDescription(_ path: String, reason: String) -> PluginError {
        PluginError(.invalidDescription(reason), path: path)
    }
}
