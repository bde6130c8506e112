/// Where and how the orchestrator listens, and where it keeps its data.
public struct ServerConfig: Sendable, Equatable {
    public var host: String
    /// 0 picks a free port (tests).
    public var port: Int
    /// The SQLite store lives here.
    public var dataDir: String
    /// Larger request bodies are refused with 413.
    public var maxBodyBytes: Int
    /// Serve on a non-loopback address without any auth keys.
    public var allowInsecure: Bool
    /// Finished tasks are kept this long.
    public var retention: Duration

    public init(
        host: String = "127.0.0.1", port: Int = 7001, dataDir: String = "./d8-data",
        maxBodyBytes: Int = 1_048_576, allowInsecure: Bool = false, retention: Duration = .seconds(7 * 86_400)
    ) {
        self.host = host
        self.port = port
        self.dataDir = dataDir
        self.maxBodyBytes = maxBodyBytes
        self.allowInsecure = allowInsecure
        self.retention = retention
    }
}
