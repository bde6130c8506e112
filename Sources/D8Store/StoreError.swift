internal import CSQLite

/// Why the task store refused or failed an operation. The description says what failed, where
/// (the database path) and, for SQLite failures, SQLite's own message.
public struct StoreError: Error, CustomStringConvertible {
    private enum Code: Equatable {
        case directory
        case sqlite(Int32)
        case schema
        case invalidRecord
        case corruptRow
        case closed
        /// The database server is away, slow or out of connections (PostgreSQL).
        case unavailable
        /// A unique index refused a row (PostgreSQL).
        case uniqueViolation
    }

    private let code: Code
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// The store was closed before the operation.
    public var isClosed: Bool { code == .closed }

    /// A unique index refused a row: a task id or idempotency key already taken by another task.
    public var isConstraintViolation: Bool {
        if case let .sqlite(rc) = code { return rc & 0xFF == SQLITE_CONSTRAINT }
        return code == .uniqueViolation
    }

    /// The database cannot answer now (away, too slow, no free connection): worth a 503 and a
    /// retry, not a crash.
    public var isUnavailable: Bool { code == .unavailable }

    package static func unavailable(_ message: String) -> StoreError {
        StoreError(.unavailable, "d8 store: PostgreSQL is unavailable: \(message)")
    }

    package static func uniqueViolation(_ message: String) -> StoreError {
        StoreError(.uniqueViolation, "d8 store: \(message)")
    }

    static func directory(_ path: String, reason: String) -> StoreError {
        StoreError(.directory, "d8 store: cannot use \(path) as the data directory: \(reason)")
    }

    static func sqlite(_ rc: Int32, operation: String, message: String, path: String) -> StoreError {
        StoreError(.sqlite(rc), "d8 store \(path): \(operation) failed: \(message) (SQLite code \(rc))")
    }

    package static func schema(_ message: String, path: String) -> StoreError {
        StoreError(.schema, "d8 store \(path): \(message)")
    }

    package static func invalidRecord(_ message: String, path: String) -> StoreError {
        StoreError(.invalidRecord, "d8 store \(path): invalid task record: \(message)")
    }

    package static func corruptRow(_ message: String, path: String) -> StoreError {
        StoreError(.corruptRow, "d8 store \(path): unreadable task row: \(message)")
    }

    package static func closed(path: String) -> StoreError {
        StoreError(.closed, "d8 store \(path): the store is closed")
    }
}
