import D8Core
import D8Server
import D8Harness
import Foundation
import Logging
import Synchronization

/// Every log line of this test process, as text with its metadata: the process-wide logging
/// system is set once, to a handler that keeps what it is given.
enum CapturedLogs {
    private static let lines = Mutex<[String]>([])

    private static let installed: Void = LoggingSystem.bootstrap { label in Handler(label: label) }

    static func install() { _ = installed }

    static var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let label: String
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            var text = "\(event.level) \(label): \(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            if let error = event.error { text += " error=\(error)" }
            CapturedLogs.lines.withLock { $0.append(text) }
        }
    }
}

/// A `LiveServer` that logs everything (trace), into `CapturedLogs`.
struct LoggedServer {
    let port: Int
    let run: Task<Void, any Error>

    static func start(_ configure: (inout D8Config) -> Void) async throws -> LoggedServer {
        CapturedLogs.install()
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        configure(&config)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(ServerArguments(config: config, logLevel: .trace)) { continuation.yield($0) }
        let run = Task { try await app.run() }
        guard let port = await ports.first(where: { _ in true }) else { throw CocoaError(.fileNoSuchFile) }
        return LoggedServer(port: port, run: run)
    }

    func client(_ token: String?) -> HTTPTestClient { HTTPTestClient(port: port, token: token) }

    func stop() async {
        run.cancel()
        _ = try? await run.value
    }
}

extension LoggedServer: StoppableServer {}

/// Runs `body` against a fresh `LoggedServer` and stops it (awaited) when `body` returns or throws.
func withLoggedServer<T>(_ configure: (inout D8Config) -> Void, run body: (LoggedServer) async throws -> T) async throws -> T {
    try await stopping(try await LoggedServer.start(configure), body)
}
