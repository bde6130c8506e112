internal import CSQLite

/// One SQLite connection and the statements prepared on it, finalized and closed in deinit.
// @unchecked Sendable: each connection is used by one thread at a time (the writer's by its own
// thread, the reader's under a Mutex), which is all SQLite's multi-thread mode asks.
final class SQLiteConnection: @unchecked Sendable {
    let path: String
    private let db: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]

    init(path: String, readOnly: Bool) throws(StoreError) {
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, access | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(handle)
            throw .sqlite(rc, operation: "open", message: message, path: path)
        }
        self.path = path
        self.db = handle
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(db)
    }

    /// Runs SQL without parameters or results: pragmas, DDL, transaction control.
    func execute(_ sql: String) throws(StoreError) {
        let rc = sqlite3_exec(db, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// Runs `body` with the statement for `sql`, prepared once and kept; it is reset and its
    /// bindings cleared afterwards, so the next use starts clean.
    func withStatement<T>(
        _ sql: String, _ body: (SQLiteStatement) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let handle: OpaquePointer
        if let cached = statements[sql] {
            handle = cached
        } else {
            var prepared: OpaquePointer?
            let rc = sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil)
            guard rc == SQLITE_OK, let prepared else { throw error(rc, "prepare \(sql)") }
            statements[sql] = prepared
            handle = prepared
        }
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        return try body(SQLiteStatement(handle: handle, connection: self))
    }

    /// Runs a statement without results (BEGIN, SAVEPOINT, a PRAGMA that sets...) prepared once
    /// and kept: the group commit runs a few of these per request, and parsing them each time
    /// showed in profiles.
    func run(_ sql: String) throws(StoreError) {
        try withStatement(sql) { statement throws(StoreError) in
            while try statement.step() {}
        }
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { Int(sqlite3_changes64(db)) }

    func error(_ rc: Int32, _ operation: String) -> StoreError {
        .sqlite(rc, operation: operation, message: String(cString: sqlite3_errmsg(db)), path: path)
    }
}

/// A value to bind to a statement parameter.
enum SQLiteValue: Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
}

/// A prepared statement borrowed from its connection for one use.
struct SQLiteStatement {
    fileprivate let handle: OpaquePointer
    fileprivate let connection: SQLiteConnection

    /// SQLite copies what it binds rather than keeping our (temporary) pointers.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Binds `values` to parameters 1, 2, …
    func bind(_ values: [SQLiteValue]) throws(StoreError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32 = switch value {
            case .null: sqlite3_bind_null(handle, index)
            case let .integer(v): sqlite3_bind_int64(handle, index, v)
            case let .real(v): sqlite3_bind_double(handle, index, v)
            case let .text(v):
                // An explicit byte count keeps any embedded NUL; withCString never gives NULL,
                // so an empty string binds as '' rather than NULL.
                v.withCString {
                    sqlite3_bind_text64(handle, index, $0, UInt64(v.utf8.count), Self.transient, UInt8(SQLITE_UTF8))
                }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc, "bind parameter \(index)") }
        }
    }

    /// Advances to the next row: true when there is one, false when done.
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let rc: throw connection.error(rc, "step \(String(cString: sqlite3_sql(handle)))")
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func real(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }
    func optionalReal(_ column: Int32) -> Double? { isNull(column) ? nil : real(column) }
}
