import D8Harness
import D8Worker
import Logging
import Synchronization
import Testing

/// A plugin's host->log lands in the instance's Logger, tagged with the plugin name.
@Suite struct HostLogTests {
    @Test func pluginLogReachesTheLoggerWithThePluginName() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let body = """
            host->log(host, D8_LOG_WARNING, (d8_str){"key loaded", 10});
            return (void *)1;
            """
        let path = try fixtures.build("logs.so", source: PluginFixtures.stubPlugin(createBody: body))
        let records = CapturedLogs()
        var logger = Logger(label: "test") { _ in CapturingHandler(records: records) }
        logger.logLevel = .trace
        _ = try PluginLoader.load(path: path).makeInstance(config: [:], logger: logger)
        let lines = records.lines.withLock { $0 }
        #expect(lines == ["warning stub key loaded"])
    }
}

final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])
}

/// Records "level plugin message" for every log call.
struct CapturingHandler: LogHandler {
    let records: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let plugin = metadata["plugin"].map { "\($0)" } ?? "-"
        records.lines.withLock { $0.append("\(event.level) \(plugin) \(event.message)") }
    }
}
