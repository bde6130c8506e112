import Foundation

/// Builds real plugins with the system C compiler into a fresh temporary folder. Tests call
/// `remove()` in a `defer` (a loaded library stays mapped after its file is deleted).
public struct PluginFixtures {
    static let repoRoot = Repository.root
    static let includeDir = repoRoot.appendingPathComponent("Sources/D8PluginABI/include").path
    static let echoSource = repoRoot.appendingPathComponent("Plugins/Echo/echo.c").path

    public let directory: URL

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("d8-plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(at: directory) }

    public func path(_ fileName: String) -> String { directory.appendingPathComponent(fileName).path }

    /// Compiles the echo plugin from Plugins/Echo/echo.c; returns the .so path.
    @discardableResult
    public func buildEcho(as fileName: String = "libd8_echo.so") throws -> String {
        try compile(sourcePath: Self.echoSource, to: fileName)
    }

    /// Compiles C `source` (the plugin header is on the include path); returns the .so path.
    @discardableResult
    public func build(_ fileName: String, source: String) throws -> String {
        let sourcePath = path(fileName + ".c")
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        return try compile(sourcePath: sourcePath, to: fileName)
    }

    /// Writes a plain file (say, text named like a plugin).
    @discardableResult
    public func write(_ fileName: String, text: String) throws -> String {
        try text.write(toFile: path(fileName), atomically: true, encoding: .utf8)
        return path(fileName)
    }

    private func compile(sourcePath: String, to fileName: String) throws -> String {
        let output = path(fileName)
        let result = try run("/usr/bin/env", ["cc", "-std=c11", "-O2", "-shared", "-fPIC", "-I", Self.includeDir, "-o", output, sourcePath])
        guard result.status == 0 else { throw FixtureError(message: "cc failed for \(fileName): \(result.stderr)") }
        return output
    }

    /// A plugin table whose functions do nothing, for bad plugins that differ in one detail.
    public static func stubPlugin(abi: String = "D8_PLUGIN_ABI_VERSION", createBody: String = "return (void *)1;", entryBody: String = "return &table;") -> String {
        """
        #include <stdio.h>
        #include "d8_plugin.h"
        static void *create(const d8_host *host, d8_str config, char *err, size_t cap) {
            (void)host; (void)config; (void)err; (void)cap;
            \(createBody)
        }
        static int32_t describe(void *i, d8_emit_fn emit, void *ctx) { (void)i; (void)emit; (void)ctx; return D8_FAIL; }
        static int32_t execute(void *i, d8_str t, d8_emit_fn emit, void *ctx, char *err, size_t cap) {
            (void)i; (void)t; (void)emit; (void)ctx; (void)err; (void)cap; return D8_FAIL;
        }
        static void destroy(void *i) { (void)i; }
        static const d8_plugin table = { sizeof(d8_plugin), \(abi), "stub", "0.1.0", create, describe, execute, destroy };
        D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) { (void)host_abi; \(entryBody) }
        """
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Runs a program to completion, collecting its exit status and output.
public func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read before waiting so that a full pipe cannot block the child.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
