@testable import D8Store
import Testing

@Suite("Schema versioning")
struct SchemaTests {
    @Test func refusesADatabaseFromANewerVersion() async throws {
        try await withTemporaryDirectory { directory in
            let store = try TaskStore(directory: directory, logger: quietLogger)
            let path = store.path
            await store.close()

            let connection = try SQLiteConnection(path: path, readOnly: false)
            try connection.execute("PRAGMA user_version = \(TaskStore.migrations.count + 1)")

            let error = try #require(throws: StoreError.self) {
                try TaskStore(directory: directory, logger: quietLogger)
            }
            #expect(error.description.contains("newer than this d8 understands"))
            #expect(error.description.contains(path))
        }
    }

    @Test func opensInWALMode() async throws {
        try await withStore { store, _ in
            let mode = try await store.read { db throws(StoreError) in
                try db.withStatement("PRAGMA journal_mode") { row throws(StoreError) in
                    try row.step() ? row.text(0) : ""
                }
            }
            #expect(mode == "wal")
        }
    }
}
