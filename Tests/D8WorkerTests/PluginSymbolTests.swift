import D8Harness
import Foundation
import Testing

/// The Swift plugins are built against the plugin ABI header alone: none may carry (and export)
/// the orchestrator's C core, the queue and worker table behind `ccore_*`.
@Suite struct PluginSymbolTests {
    @Test(arguments: ["groq", "gemini", "claude", "ollama"])
    func swiftPluginExportsNoCCoreSymbol(plugin: String) throws {
        // The .so files of this build sit beside the d8 executable (Plugins/ holds staged copies).
        let d8 = try #require(D8Binary.path, "no d8 executable beside \(CommandLine.arguments[0])")
        let library = URL(fileURLWithPath: d8).deletingLastPathComponent().appendingPathComponent("libd8_\(plugin).so").path
        #expect(FileManager.default.fileExists(atPath: library), "not built: \(library)")
        let result = try run("/usr/bin/env", ["nm", "-D", library])
        #expect(result.status == 0, "\(result.stderr)")
        let ccore = result.stdout.split(separator: "\n").filter { $0.split(separator: " ").last?.hasPrefix("ccore_") == true }
        #expect(ccore.count == 0, "libd8_\(plugin).so has \(ccore.count) ccore_ symbols, first: \(ccore.prefix(3))")
    }
}
