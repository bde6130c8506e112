import D8Harness
import D8Core
import D8Worker
import Foundation
import Logging
import Testing

/// Each broken plugin is refused with one line naming the file, and nothing crashes.
@Suite struct BadPluginTests {
    let logger = Logger(label: "test")

    /// The error `load` throws for `path`, or nil when it loads.
    private func loadError(_ path: String) -> PluginError? {
        do throws(PluginError) {
            _ = try PluginLoader.load(path: path)
            return nil
        } catch {
            return error
        }
    }

    private func expectOneLine(_ error: PluginError?, file path: String, saying reason: String) {
        guard let error else { Issue.record("\(path) loaded"); return }
        #expect(error.path == path)
        #expect(error.description == "\(path): \(reason)")
        #expect(!error.description.contains("\n"))
    }

    @Test func textFileIsNotASharedObject() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.write("x.so", text: "hello, I am not ELF\n")
        let error = try #require(loadError(path))
        #expect(error.description.hasPrefix("\(path): not a loadable shared object ("))
        #expect(!error.description.contains("\n"))
    }

    @Test func missingFileIsReported() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let error = try #require(loadError(fixtures.path("absent.so")))
        #expect(error.description.hasPrefix(fixtures.path("absent.so") + ": not a loadable shared object ("))
    }

    @Test func libraryWithoutEntrySymbol() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("noentry.so", source: "int not_a_plugin(void) { return 1; }\n")
        expectOneLine(loadError(path), file: path, saying: "no d8_plugin_entry symbol: not a d8 plugin")
    }

    @Test func futureABIIsRefused() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("future.so", source: PluginFixtures.stubPlugin(abi: "99"))
        expectOneLine(loadError(path), file: path, saying: "built for ABI 99, this host speaks ABI 1")
    }

    @Test func entryReturningNull() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("null.so", source: PluginFixtures.stubPlugin(entryBody: "(void)table; return NULL;"))
        expectOneLine(loadError(path), file: path, saying: "d8_plugin_entry returned NULL for this host's ABI 1")
    }

    @Test func tableTooSmall() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let source = PluginFixtures.stubPlugin().replacingOccurrences(of: "{ sizeof(d8_plugin),", with: "{ 16,")
        let path = try fixtures.build("small.so", source: source)
        expectOneLine(loadError(path), file: path, saying: "plugin table is 16 bytes, ABI 1 needs at least 56")
    }

    @Test func createFailureCarriesThePluginsMessage() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("nokey.so", source: PluginFixtures.stubPlugin(createBody: #"snprintf(err, cap, "missing api_key"); return NULL;"#))
        let plugin = try PluginLoader.load(path: path)
        #expect(plugin.name == "stub")
        let error = try #require(throws: PluginError.self) { try plugin.makeInstance(config: [:], logger: logger) }
        #expect(error.description == "\(path): create failed: missing api_key")
    }

    @Test func hostHTTPWithoutOnResponseIsRefused() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let body = """
            d8_http_request req = { sizeof req, 0, {"GET", 3}, {"http://x/", 9}, NULL, 0, {NULL, 0} };
            char reason[128] = "";
            int32_t status = host->http(host, &req, NULL, NULL, reason, sizeof reason);
            snprintf(err, cap, "http status %d: %s", (int)status, reason);
            return NULL;
            """
        let path = try fixtures.build("http.so", source: PluginFixtures.stubPlugin(createBody: body))
        let plugin = try PluginLoader.load(path: path)
        let error = try #require(throws: PluginError.self) { try plugin.makeInstance(config: [:], logger: logger) }
        #expect(error.description == "\(path): create failed: http status 2: http: the request or on_response is NULL")
    }

    @Test func describeFailureIsAnError() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("mute.so", source: PluginFixtures.stubPlugin())
        let instance = try PluginLoader.load(path: path).makeInstance(config: [:], logger: logger)
        let error = try #require(throws: PluginError.self) { try instance.describe() }
        #expect(error.description == "\(path): describe failed")
        #expect(instance.execute(task: [:]) == .fail(message: "plugin failed without a reason", details: nil))
    }

    @Test func discoverListsEveryCandidateSortedByName() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        try fixtures.buildEcho(as: "b_echo.so")
        try fixtures.write("a_text.so", text: "not a library")
        try fixtures.build("c_future.so", source: PluginFixtures.stubPlugin(abi: "99"))
        try fixtures.build("d_nokey.so", source: PluginFixtures.stubPlugin(createBody: #"snprintf(err, cap, "missing api_key"); return NULL;"#))
        try fixtures.write("README.md", text: "ignored: not a .so")
        let found = PluginLoader.discover(directory: fixtures.directory.path)
        #expect(found.map(\.fileName) == ["a_text.so", "b_echo.so", "c_future.so", "d_nokey.so"])
        let loaded = found.compactMap { try? $0.result.get().name }
        #expect(loaded == ["echo", "stub"]) // d_nokey loads; its create fails later
        if case let .failure(error) = found[2].result {
            #expect(error.description == fixtures.path("c_future.so") + ": built for ABI 99, this host speaks ABI 1")
        } else {
            Issue.record("c_future.so loaded")
        }
    }

    @Test func discoverOfAMissingFolderIsEmpty() {
        #expect(PluginLoader.discover(directory: "/nonexistent/d8/plugins").isEmpty)
    }
}
