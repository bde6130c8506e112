import D8Harness
import Foundation
import Testing

/// `d8 worker` refuses what it cannot serve with exit status 2 and one line naming the file and
/// the reason; it never crashes.
@Suite("d8 worker startup errors")
struct WorkerStartupErrorTests {
    /// Runs `d8 worker --type <type>` against a config whose worker type uses `plugin`, with
    /// `pluginsDir` as the plugin folder. Nothing listens on the orchestrator URL: a worker
    /// that got past startup would keep retrying, which the 30 s limit turns into a failure.
    private func startWorker(plugin: String, pluginsDir: String, settings: String = "", type: String = "w") throws -> (status: Int32, stderr: String) {
        let config = temporaryDirectory() + "/d8.yaml"
        try "worker_types:\n  w:\n    plugin: \(plugin)\n\(settings)".write(toFile: config, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = D8Binary.url
        process.arguments = ["worker", "--type", type, "--config", config, "--plugins-dir", pluginsDir, "--orchestrator", "http://127.0.0.1:1"]
        var environment = ProcessInfo.processInfo.environment
        environment["GROQ_API_KEY"] = nil
        process.environment = environment
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let timer = DispatchWorkItem { process.terminate() }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: timer)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        timer.cancel()
        return (process.terminationStatus, text)
    }

    @Test func eachBrokenPluginIsNamedWithItsReason() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let dir = fixtures.directory.path
        try fixtures.write("libd8_text.so", text: "not ELF\n")
        try fixtures.build("libd8_noentry.so", source: "int not_a_plugin(void) { return 1; }\n")
        try fixtures.build("libd8_future.so", source: PluginFixtures.stubPlugin(abi: "99"))
        try fixtures.build("libd8_refuses.so", source: PluginFixtures.stubPlugin(createBody: #"snprintf(err, cap, "refuses: token is missing"); return NULL;"#))

        let cases: [(plugin: String, says: String)] = [
            ("text", "\(dir)/libd8_text.so: not a loadable shared object ("),
            ("noentry", "\(dir)/libd8_noentry.so: no d8_plugin_entry symbol: not a d8 plugin"),
            ("future", "\(dir)/libd8_future.so: built for ABI 99, this host speaks ABI 1"),
            ("stub", "create failed: refuses: token is missing"),
            ("absent", "no plugin named 'absent' here"),
        ]
        for (plugin, says) in cases {
            // The stub's table is named "stub"; it lives in libd8_refuses.so.
            let run = try startWorker(plugin: plugin, pluginsDir: dir)
            #expect(run.status == 2, "\(plugin): \(run.stderr)")
            #expect(run.stderr.contains(says), "\(plugin): \(run.stderr)")
            #expect(run.stderr.contains("error: worker type 'w': "), "\(plugin): \(run.stderr)")
        }
    }

    @Test func aProviderPluginWithoutItsKeySaysWhichKey() throws {
        let run = try startWorker(plugin: "groq", pluginsDir: Repository.plugins)
        #expect(run.status == 2)
        #expect(run.stderr.contains("libd8_groq.so: create failed: groq: api_key is missing"), "\(run.stderr)")
    }

    @Test func anUnknownWorkerTypeIsAUsageError() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let run = try startWorker(plugin: "echo", pluginsDir: fixtures.directory.path, type: "nope")
        #expect(run.status == 2)
        #expect(run.stderr.contains("unknown worker type 'nope'"), "\(run.stderr)")
        #expect(run.stderr.contains("(configured: w)"), "\(run.stderr)")
    }
}
