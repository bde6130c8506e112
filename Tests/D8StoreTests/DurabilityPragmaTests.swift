import D8Core
@testable import D8Store
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

    /// Queued writes (a lease) promised nothing, so their group skips its own fsync; the next
    /// awaited write is fsync'd again, and the queued rows are there.
    @Test func queuedWritesWaitForTheNextFsync() async throws {
        try await withTemporaryDirectory { directory in
            let store = try TaskStore(directory: directory, durability: .disk, logger: quietLogger)
            try await store.write([task(1)])
            #expect(store.writer.unsyncedCommitCount == 0, "an awaited write is fsync'd")
            store.enqueue([.insert(task(2))])
            let deadline = ContinuousClock.now + .seconds(10)
            while store.writer.commitCount < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(store.writer.unsyncedCommitCount == 1, "the queued group alone, without its fsync")
            #expect(try await store.writerSynchronousLevel() == 2, "FULL again for the next group")
            try await store.write([task(3)])
            #expect(store.writer.unsyncedCommitCount == 1)
            await store.close()
            let reopened = try TaskStore(directory: directory, durability: .disk, logger: quietLogger)
            #expect(try await reopened.record(taskID: task(2).taskID) != nil)
            await reopened.close()
        }
    }
}
