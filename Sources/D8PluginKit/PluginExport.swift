internal import D8PluginABI
import D8JSON
import Synchronization

/// Turns a `ProviderPlugin` type into the C table of d8_plugin.h. A plugin's whole entry point:
///
///     @_cdecl("d8_plugin_entry")
///     public func d8PluginEntry(_ hostABI: UInt32) -> UnsafeRawPointer? {
///         PluginExport.entry(GroqPlugin.self, hostABI: hostABI)
///     }
///
/// C function pointers cannot capture generic context, so the table's functions are plain
/// functions that reach the plugin type through `registration`, recorded by the first `entry`
/// call. Each .so links its own copy of this kit, hence one registration per plugin.
public enum PluginExport {
    public static func entry<Plugin: ProviderPlugin>(_ type: Plugin.Type, hostABI: UInt32) -> UnsafeRawPointer? {
        guard hostABI == D8_PLUGIN_ABI_VERSION else { return nil }
        return registration.withLock { current in
            if let current { return current.table.raw }
            let made = Registration(plugin: type)
            current = made
            return made.table.raw
        }
    }

    /// The plugin type and its table, for the C functions below.
    static var current: Registration? { registration.withLock { $0 } }
}

/// The recorded plugin: its factory and its process-lifetime C table.
struct Registration: Sendable {
    let name: String
    let make: @Sendable (PluginSettings, PluginHost) throws(PluginSetupError) -> any ProviderPlugin
    let table: StaticTable

    init<Plugin: ProviderPlugin>(plugin: Plugin.Type) {
        name = Plugin.name
        make = { (settings, host) throws(PluginSetupError) in try Plugin(settings: settings, host: host) }
        table = StaticTable(name: Plugin.name, version: Plugin.version)
    }
}

private let registration = Mutex<Registration?>(nil)

/// The d8_plugin table and its name and version strings, allocated once and never freed: the
/// ABI says they are static. Sendable because nobody writes to them after `init`.
struct StaticTable: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<d8_plugin>
    var raw: UnsafeRawPointer { UnsafeRawPointer(pointer) }

    init(name: String, version: String) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: d8_plugin(
            struct_size: UInt32(MemoryLayout<d8_plugin>.size),
            abi_version: UInt32(D8_PLUGIN_ABI_VERSION),
            name: CString.leaked(name),
            version: CString.leaked(version),
            create: exportCreate,
            describe: exportDescribe,
            execute: exportExecute,
            destroy: exportDestroy,
            execute_stream: exportExecuteStream
        ))
    }
}
