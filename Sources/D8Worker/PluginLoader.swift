internal import D8PluginABI
import Foundation

/// Loads d8 plugins (shared libraries exporting `d8_plugin_entry`, see `d8_plugin.h`).
public enum PluginLoader {
    /// The ABI this host speaks.
    public static var hostABIVersion: UInt32 { UInt32(D8_PLUGIN_ABI_VERSION) }

    /// The smallest table an ABI-1 host accepts: up to and including `destroy`
    /// (D8_PLUGIN_MIN_SIZE, a macro Swift cannot import).
    static let minimumTableSize = MemoryLayout<d8_plugin>.offset(of: \.destroy)! + MemoryLayout<UnsafeRawPointer>.size

    /// D8_STRUCT_END(d8_plugin, execute_stream): a table this long carries the field.
    static let executeStreamEnd = MemoryLayout<d8_plugin>.offset(of: \.execute_stream)! + MemoryLayout<UnsafeRawPointer>.size

    /// Opens the plugin at `path` and checks its table before calling anything else in it:
    /// entry symbol, non-NULL table, ABI version, table size, function pointers, name and version.
    /// The library is never closed (see `DLHandle`).
    public static func load(path: String) throws(PluginError) -> LoadedPlugin {
        let handle: DLHandle
        switch DLHandle.open(path) {
        case let .success(opened): handle = opened
        case let .failure(error): throw .notSharedObject(path, dlerror: error.message)
        }
        guard let entry = handle.function(D8_PLUGIN_ENTRY_SYMBOL, as: d8_plugin_entry_fn.self) else {
            throw .noEntrySymbol(path)
        }
        guard let table = entry(hostABIVersion) else { throw .entryReturnedNull(path, hostABI: hostABIVersion) }

        // Every ABI's table starts with struct_size and abi_version; read those two alone first.
        let header = UnsafeRawPointer(table)
        let size = header.load(as: UInt32.self)
        let abi = header.load(fromByteOffset: 4, as: UInt32.self)
        guard abi == hostABIVersion else { throw .abiMismatch(path, plugin: abi, host: hostABIVersion) }
        guard Int(size) >= minimumTableSize else { throw .tableTooSmall(path, size: size, needed: minimumTableSize) }

        // Copy only the bytes the plugin declared: a table from an older minor revision is
        // shorter than this host's d8_plugin, and the fields it lacks stay zero.
        var copy = d8_plugin()
        withUnsafeMutableBytes(of: &copy) { $0.copyMemory(from: UnsafeRawBufferPointer(start: header, count: min(Int(size), $0.count))) }
        guard let name = copy.name else { throw .incompleteTable(path, missing: "name") }
        guard let version = copy.version else { throw .incompleteTable(path, missing: "version") }
        guard let create = copy.create else { throw .incompleteTable(path, missing: "create function") }
        guard let describe = copy.describe else { throw .incompleteTable(path, missing: "describe function") }
        guard let execute = copy.execute else { throw .incompleteTable(path, missing: "execute function") }
        guard let destroy = copy.destroy else { throw .incompleteTable(path, missing: "destroy function") }
        return LoadedPlugin(
            path: path, name: String(cString: name), version: String(cString: version), abiVersion: abi,
            functions: PluginFunctions(
                create: create, describe: describe, execute: execute, destroy: destroy,
                // D8_STRUCT_HAS: a size that ends inside the field must not yield half a pointer.
                executeStream: Int(size) >= executeStreamEnd ? copy.execute_stream : nil)
        )
    }

    /// The conventional file name of plugin `name` is lib<prefix><name>.so: libd8_groq.so.
    public static let filePrefix = "d8_"

    /// The plugin whose table is named `name` (the `plugin:` of a worker type): the file
    /// `libd8_<name>.so` in `directory` when it exists, otherwise whichever `.so` there
    /// carries that name. A broken conventional file is reported as such, not skipped.
    public static func find(named name: String, in directory: String) throws(PluginError) -> LoadedPlugin {
        let conventional = (directory.hasSuffix("/") ? directory : directory + "/") + "lib\(filePrefix)\(name).so"
        if FileManager.default.fileExists(atPath: conventional) {
            let plugin = try load(path: conventional)
            if plugin.name == name { return plugin }
        }
        let found = discover(directory: directory).compactMap { try? $0.result.get() }
        if let match = found.first(where: { $0.name == name }) { return match }
        throw .notFound(directory, plugin: name, found: found.map(\.name))
    }

    /// Loads every plugin in `directory`, sorted by file name. The file-name rule: every entry
    /// whose name ends in `.so` is a plugin candidate (whatever its prefix); other files are
    /// ignored. A candidate that fails to load is reported with its error rather than skipped.
    /// A missing or unreadable directory gives an empty list; callers that care check first.
    public static func discover(directory: String) -> [PluginDiscovery] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".so") }.sorted().map { fileName in
            let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
            do throws(PluginError) {
                return PluginDiscovery(fileName: fileName, result: .success(try load(path: path)))
            } catch {
                return PluginDiscovery(fileName: fileName, result: .failure(error))
            }
        }
    }
}

/// One `.so` file found by `PluginLoader.discover(directory:)`: the plugin, or why it did not load.
public struct PluginDiscovery: Sendable {
    public let fileName: String
    public let result: Result<LoadedPlugin, PluginError>
}
