import D8Core
import D8Store
import Testing

/// What each durability mode asks of SQLite on the connection that commits: `disk` must fsync
/// every commit (synchronous=FULL, 2), `process` only hands it to the OS (NORMAL, 1). A killed
/// process cannot tell the two apart, so this is the only place that checks it.
@Suite("Durability: SQLite's synchronous level")
struct DurabilityPragmaTests {
    @Test(arguments: [(Durability.disk, 2), (Durability.process, 1)])
    func eachModeSetsItsSynchronousLevel(mode: Durability, level: Int) async throws {
        try await withTemporaryDirectory { directory in
            let store = try TaskStore(directory: directory, durability: mode, logger: quietLogger)
            let got = try await store.writerSynchronousLevel()
            await store.close()
            #expect(got == level, "durability \(mode.rawValue)")
        }
    }
}
