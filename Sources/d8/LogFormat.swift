import ArgumentParser
import D8Core
import Foundation
import Logging
import Synchronization

/// How `d8 serve` and `d8 worker` write their logs to standard error: swift-log's text lines,
/// or one JSON object a line for a log shipper.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    func handler(label: String) -> any LogHandler {
        switch self {
        case .text: StreamLogHandler.standardError(label: label)
        case .json: JSONLogHandler(label: label)
        }
    }

    /// Every logger of the process, the server's included, writes in this format.
    func bootstrap() {
        LoggingSystem.bootstrap { label in handler(label: label) }
    }
}

/// One JSON object a line on standard error: `time` (UTC, ISO 8601 with milliseconds), `level`,
/// `logger`, `message`, and the metadata as fields of their own (`task_id`, `worker_id`,
/// `worker_type`, `error`, … where they apply), so a log shipper can index them.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// One line is one write, whole, even from many threads.
    private static let output = Mutex(())

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let own = event.metadata { merged.merge(own) { $1 } }
        for (key, value) in merged { fields[key] = Self.json(value) }
        if let error = event.error, fields["error"] == nil { fields["error"] = .string("\(error)") }
        fields["time"] = .string(Self.timestamp())
        fields["level"] = .string(event.level.rawValue)
        fields["logger"] = .string(label)
        fields["message"] = .string(event.message.description)
        let line = JSONValue.object(fields).jsonBytes + [UInt8(ascii: "\n")]
        Self.output.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written > 0 { offset += written } else if errno != EINTR { break }
                }
            }
        }
    }

    private static func json(_ value: Logger.MetadataValue) -> JSONValue {
        switch value {
        case let .string(text): .string(text)
        case let .stringConvertible(item): .string(item.description)
        case let .array(items): .array(items.map(json))
        case let .dictionary(members): .object(members.mapValues(json))
        }
    }

    /// Now in UTC, e.g. 2026-12-02T01:19:37.125Z.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }
}
