/// The writer connection's settings, read back, so tests can see what a durability mode
/// promises (a SIGKILL test cannot tell FULL from NORMAL: only a power cut can).
extension TaskStore {
    /// SQLite's `synchronous` level on the connection that commits: 2 is FULL, 1 NORMAL, 0 OFF.
    public func writerSynchronousLevel() async throws(StoreError) -> Int {
        try await writer.perform { db throws(StoreError) -> Int in
            try db.withStatement("PRAGMA synchronous") { row throws(StoreError) -> Int in
                guard try row.step() else { throw .schema("PRAGMA synchronous answered no row", path: db.path) }
                return Int(row.integer(0))
            }
        }
    }
}
