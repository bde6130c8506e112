import D8Harness
import D8Core
import Foundation
import Testing

/// Runs the built `d8 plugins` executable, which sits beside the test bundle.
@Suite struct PluginsCommandTests {
    @Test func listsPluginsAndFailuresAsJSON() throws {
        let d8 = try #require(D8Binary.path, "no d8 executable beside \(CommandLine.arguments[0])")
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.buildEcho()
        try fixtures.write("broken.so", text: "not a library")
        let result = try run(d8, ["plugins", "--dir", fixtures.directory.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let listing = try JSONValue.parse(result.stdout)
        let plugins = try #require(listing["plugins"]?.arrayValue)
        #expect(plugins.count == 2)
        let broken = try #require(plugins.first { $0["file"] == "broken.so" })
        #expect(broken["loaded"] == false)
        #expect(broken["error"]?.stringValue?.contains("broken.so: not a loadable shared object") == true)
        let echo = try #require(plugins.first { $0["file"] == "libd8_echo.so" })
        #expect(echo["name"] == "echo")
        #expect(echo["version"] == "1.0.0")
        #expect(echo["abi_version"] == 1)
        #expect(echo["task_types"] == ["*"])
        #expect(echo["models"] == [["id": "echo", "input_usd_per_mtok": 0, "output_usd_per_mtok": 0]])
        #expect(echo["error"] == nil)
    }

    @Test func tableNamesFailures() throws {
        let d8 = try #require(D8Binary.path)
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.buildEcho()
        try fixtures.write("broken.so", text: "not a library")
        let result = try run(d8, ["plugins", "--dir", fixtures.directory.path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("libd8_echo.so  echo  1.0.0    1    *"))
        #expect(result.stdout.contains("echo ($0/$0 per Mtok)"))
        #expect(result.stdout.contains(fixtures.path("broken.so") + ": not a loadable shared object"))
    }

    /// The staged provider plugins list their models and prices with no API key set, and the
    /// config's price overrides show.
    @Test func providerPluginsListWithoutKeysAndWithConfiguredPrices() throws {
        let d8 = try #require(D8Binary.path)
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let config = try fixtures.write("d8.yaml", text: """
            worker_types:
              fast:
                plugin: groq
                default_model: my-model
                prices:
                  my-model: { input_usd_per_mtok: 0.5, output_usd_per_mtok: 1.5 }
            """)
        let result = try run("/usr/bin/env", ["-u", "GROQ_API_KEY", "-u", "GEMINI_API_KEY", "-u", "ANTHROPIC_API_KEY",
                                              d8, "plugins", "--dir", Repository.plugins, "--config", config, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let plugins = try #require(try JSONValue.parse(result.stdout)["plugins"]?.arrayValue)
        for name in ["groq", "gemini", "claude", "ollama", "echo"] {
            let plugin = try #require(plugins.first { $0["name"] == .string(name) }, "\(name) is staged in Plugins/")
            #expect(plugin["error"] == nil, "\(name): \(plugin.jsonString)")
            #expect(plugin["models"]?.arrayValue?.isEmpty == false, "\(name)")
        }
        let groq = try #require(plugins.first { $0["name"] == "groq" })
        let mine = groq["models"]?.arrayValue?.first { $0["id"] == "my-model" }
        #expect(mine?["input_usd_per_mtok"] == 0.5)
        #expect(mine?["output_usd_per_mtok"] == 1.5)
    }

    @Test func missingFolderExitsTwo() throws {
        let d8 = try #require(D8Binary.path)
        let result = try run(d8, ["plugins", "--dir", "/nonexistent/d8-plugins"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent/d8-plugins"))
    }
}
