import D8Store
import Testing

@Suite("Group commit")
struct GroupCommitTests {
    @Test func aBurstOfConcurrentWritesCostsFewCommits() async throws {
        try await withStore { store, _ in
            let writes = 1_000
            let before = store.commitCount
            let elapsed = try await ContinuousClock().measure {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for seq in 1...writes {
                        group.addTask { try await store.write([task(UInt64(seq))]) }
                    }
                    try await group.waitForAll()
                }
            }
            let commits = store.commitCount - before
            print("group commit: \(writes) concurrent writes, \(commits) commits, \(elapsed)")
            #expect(commits >= 1)
            #expect(commits < 200)
            #expect(try await store.maxSeq() == UInt64(writes))
            #expect(try await store.unfinished().map(\.seq) == (1...UInt64(writes)).map { $0 })
        }
    }

    @Test func aFlushWithNothingToWriteCommitsNothing() async throws {
        try await withStore { store, _ in
            let before = store.commitCount
            try await store.flush()
            #expect(store.commitCount == before)
            try await store.write([task(1)])
            #expect(store.commitCount == before + 1)
        }
    }

    @Test func closeCommitsWhatIsQueuedAndLaterWritesAreRefused() async throws {
        try await withTemporaryDirectory { directory in
            let store = try TaskStore(directory: directory, logger: quietLogger)
            for seq in 1...200 { store.enqueueWrite([task(UInt64(seq))]) }
            async let secondClose: Void = store.close()
            await store.close()
            await secondClose
            let error = try await #require(throws: StoreError.self) { try await store.flush() }
            #expect(error.isClosed)
            #expect(error.description.contains("closed"))

            let reopened = try TaskStore(directory: directory, logger: quietLogger)
            #expect(try await reopened.maxSeq() == 200)
            await reopened.close()
        }
    }
}
