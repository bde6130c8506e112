/// Where and how the orchestrator listens, and where it keeps its data.
public struct ServerConfig: Sendable, Equatable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 7001
    /// Which engine keeps the tasks: SQLite in `data_dir` (one orchestrator), or PostgreSQL
    /// (any number of orchestrators on one database).
    public var store = StoreKind.sqlite
    /// The SQLite store lives here.
    public var dataDir = "./d8-data"
    /// The database a cluster shares (`store: postgres`).
    public var postgres = PostgresConfig()
    /// Larger request bodies are refused with 413.
    public var maxBodyBytes = 1_048_576
    /// Serve on a non-loopback address without any auth keys.
    public var allowInsecure = false
    /// Finished tasks are kept this long.
    public var retention = Duration.seconds(7 * 86_400)
    /// What a commit (and so a 201) waits for.
    public var durability = Durability.disk
    /// Count what happens for `GET /metrics` (off: no counting, and `/metrics` is 404).
    public var metrics = true

    public init() {}
}

public enum StoreKind: String, Sendable, Equatable, CaseIterable {
    case sqlite, postgres
}

/// Where the shared database is and how a node uses it.
public struct PostgresConfig: Sendable, Equatable {
    /// `postgres://user[:password]@host[:port]/database`; empty unless `store: postgres`.
    public var url = ""
    /// Connections this node may hold.
    public var pool = 16
    /// The longest a node waits for a connection or a statement before it answers 503.
    public var timeout = Duration.seconds(5)
    /// A node that has not renewed its row for this long is dead: another takes its tasks.
    public var nodeTimeout = Duration.seconds(5)

    public init() {}
}

/// How far a commit must reach before d8 answers: the trade of every durable queue.
public enum Durability: String, Sendable, Equatable, CaseIterable {
    /// Every commit is fsync'd (SQLite `synchronous=FULL`): a 201 survives power loss.
    case disk
    /// Commits reach the operating system (`synchronous=NORMAL` in WAL mode): a 201 survives a
    /// crash or kill of d8, not of the machine; the WAL is fsync'd at checkpoints.
    case process
}
