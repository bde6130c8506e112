import D8Store
import Foundation
import Testing

@Suite("TaskStore writes, reads and durability")
struct TaskStoreTests {
    @Test func roundTripsEveryFieldIncludingNils() async throws {
        try await withStore { store, _ in
            let full = TaskRecord(
                seq: 7, taskID: "6F9619FF-8B86-D011-B42D-00C04FC964FF", type: "translate",
                data: #"{"text":"naïve \"quote\" 🚀\u0000end","n":[1,2]}"#, priority: 9, status: .assigned,
                attempt: 2, maxAttempts: 5, assignedTo: "worker-1", workerType: "openai-mini",
                lease: "lease-abc", leaseExpiresAt: 1_700_000_123.25, createdAt: 1_700_000_000.5,
                assignedAt: 1_700_000_010.125, completedAt: 1_700_000_020.75, notBefore: 1_700_000_005,
                result: #"{"ok":true}"#, errors: #"["timeout","429"]"#, idempotencyKey: "key-1",
                client: "alice", costUSD: 0.00125)
            let sparse = TaskRecord(
                seq: 8, taskID: "t-8", type: "", data: "", priority: 1, maxAttempts: 1, createdAt: 0)
            try await store.write([full, sparse])

            #expect(try await store.record(taskID: full.taskID) == full)
            let readSparse = try #require(try await store.record(taskID: "t-8"))
            #expect(readSparse == sparse)
            #expect(readSparse.status == .pending && readSparse.attempt == 0 && readSparse.errors == "[]")
            #expect(readSparse.assignedTo == nil && readSparse.costUSD == nil && readSparse.result == nil)
            #expect(readSparse.data == "" && readSparse.type == "")
        }
    }

    @Test func upsertOverwritesEveryColumnBySeq() async throws {
        try await withStore { store, _ in
            try await store.write([task(1, idempotencyKey: "k")])
            var done = task(1)
            done.status = .completed
            done.attempt = 1
            done.assignedTo = "w"
            done.result = #"{"answer":42}"#
            done.completedAt = 1_700_000_100
            try await store.write([done])  // also clears the idempotency key: every column is written
            #expect(try await store.record(taskID: "task-1") == done)
            #expect(try await store.record(idempotencyKey: "k", client: nil) == nil)
            #expect(try await store.maxSeq() == 1)
        }
    }

    @Test func aFinishedRowIsFinal() async throws {
        try await withStore { store, _ in
            var done = task(1)
            done.status = .completed
            done.result = #"{"answer":42}"#
            try await store.write([done])
            var late = task(1)
            late.status = .assigned
            late.attempt = 2
            try await store.write([late]) // a late write of an earlier state changes nothing
            #expect(try await store.record(taskID: "task-1") == done)
        }
    }

    @Test func unfinishedReturnsPendingAssignedAndHeldInSeqOrder() async throws {
        try await withStore { store, _ in
            let statuses: [TaskRecord.Status] = [.held, .completed, .pending, .failed, .assigned, .cancelled, .dead, .pending]
            let records = statuses.enumerated().map { task(UInt64(10 - $0.offset), status: $0.element) }
            try await store.write(records)
            let unfinished = try await store.unfinished()
            #expect(unfinished.map(\.seq) == [3, 6, 8, 10])
            #expect(unfinished.map(\.status) == [.pending, .assigned, .pending, .held])
        }
    }

    @Test func findsByTaskIDAndIdempotencyKey() async throws {
        try await withStore { store, _ in
            #expect(try await store.maxSeq() == 0)
            try await store.write([task(1), task(2, idempotencyKey: "order-17"), task(3)])
            #expect(try await store.record(taskID: "task-3")?.seq == 3)
            #expect(try await store.record(taskID: "missing") == nil)
            #expect(try await store.record(idempotencyKey: "order-17", client: nil)?.taskID == "task-2")
            #expect(try await store.record(idempotencyKey: "order-18", client: nil) == nil)
            #expect(try await store.maxSeq() == 3)
        }
    }

    @Test func refusesASecondTaskWithTheSameIdempotencyKey() async throws {
        try await withStore { store, _ in
            try await store.write([task(1, idempotencyKey: "same")])
            let error = try await #require(throws: StoreError.self) {
                try await store.write([task(2), task(3, idempotencyKey: "same")])
            }
            #expect(error.isConstraintViolation)
            #expect(error.description.contains("idempotency_key"))
            #expect(error.description.contains("d8.sqlite"))
            // All or none within the call: task 2 was rolled back with task 3.
            #expect(try await store.record(taskID: "task-2") == nil)
            #expect(try await store.record(idempotencyKey: "same", client: nil)?.seq == 1)
        }
    }

    /// Keys are each client's own: the same spelling from two clients is two keys.
    @Test func idempotencyKeysAreUniquePerClient() async throws {
        try await withStore { store, _ in
            try await store.write([task(1, idempotencyKey: "k", client: "alpha"), task(2, idempotencyKey: "k", client: "beta"), task(3, idempotencyKey: "k")])
            #expect(try await store.record(idempotencyKey: "k", client: "alpha")?.seq == 1)
            #expect(try await store.record(idempotencyKey: "k", client: "beta")?.seq == 2)
            #expect(try await store.record(idempotencyKey: "k", client: nil)?.seq == 3)
            #expect(try await store.record(idempotencyKey: "k", client: "gamma") == nil)
            let error = try await #require(throws: StoreError.self) { try await store.write([task(4, idempotencyKey: "k", client: "beta")]) }
            #expect(error.isConstraintViolation)
        }
    }

    @Test func aRefusedWriteDoesNotFailTheRestOfItsGroup() async throws {
        try await withStore { store, _ in
            try await store.write([task(1, idempotencyKey: "same")])
            store.enqueueWrite([task(2, idempotencyKey: "same")])  // refused, logged
            try await store.write([task(3)])  // most likely in the same group; must commit anyway
            #expect(try await store.unfinished().map(\.seq) == [1, 3])
        }
    }

    @Test func refusesASeqSQLiteCannotOrder() async throws {
        try await withStore { store, _ in
            for seq in [0, UInt64(Int64.max) + 1] {
                let error = try await #require(throws: StoreError.self) { try await store.write([task(seq)]) }
                #expect(error.description.contains("seq must be"))
            }
            #expect(try await store.maxSeq() == 0)
        }
    }

    @Test func survivesCloseAndReopen() async throws {
        try await withTemporaryDirectory { directory in
            let records = (1...50).map { task(UInt64($0), status: $0 % 2 == 0 ? .completed : .pending) }
            let first = try TaskStore(directory: directory, logger: quietLogger)
            try await first.write(Array(records[..<25]))
            first.enqueueWrite(Array(records[25...]))
            await first.close()  // commits the enqueued write too

            let error = try await #require(throws: StoreError.self) { try await first.write([task(99)]) }
            #expect(error.isClosed)
            await #expect(throws: StoreError.self) { try await first.unfinished() }

            let second = try TaskStore(directory: directory, logger: quietLogger)
            #expect(try await second.maxSeq() == 50)
            #expect(try await second.unfinished() == records.filter { $0.status == .pending })
            #expect(try await second.record(taskID: "task-50") == records[49])
            await second.close()
        }
    }

    @Test func enqueuedWritesApplyInCallOrderAndFlushWaitsForThem() async throws {
        try await withStore { store, _ in
            for seq in 1...100 { store.enqueueWrite([task(UInt64(seq))]) }
            var finished = task(1)
            finished.status = .completed
            store.enqueueWrite([finished])  // after the pending version of the same seq
            try await store.flush()
            #expect(try await store.unfinished().count == 99)
            #expect(try await store.record(taskID: "task-1")?.status == .completed)
        }
    }

    @Test func pruneDeletesOnlyFinishedTasksCompletedBeforeTheCutoff() async throws {
        try await withStore { store, _ in
            func finished(_ seq: UInt64, _ status: TaskRecord.Status, at completedAt: Double?) -> TaskRecord {
                var record = task(seq, status: status)
                record.completedAt = completedAt
                return record
            }
            try await store.write([
                finished(1, .completed, at: 100), finished(2, .failed, at: 200),
                finished(3, .cancelled, at: 300), finished(4, .dead, at: 400),
                finished(5, .completed, at: 600), finished(6, .completed, at: 500),  // not before 500
                finished(7, .assigned, at: 100), finished(8, .pending, at: nil), finished(9, .held, at: 1),
                finished(10, .completed, at: nil),
            ])
            #expect(try await store.prune(finishedBefore: 500) == 4)
            for seq in 1...4 { #expect(try await store.record(taskID: "task-\(seq)") == nil) }
            for seq in 5...10 { #expect(try await store.record(taskID: "task-\(seq)") != nil) }
            #expect(try await store.prune(finishedBefore: 500) == 0)
        }
    }

    @Test func namesThePathWhenTheDirectoryIsAFile() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/not-a-directory"
            #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))

            let error = try #require(throws: StoreError.self) { try TaskStore(directory: file, logger: quietLogger) }
            #expect(error.description.contains(file))
            #expect(error.description.contains("not a directory"))

            let below = file + "/data"
            let belowError = try #require(throws: StoreError.self) {
                try TaskStore(directory: below, logger: quietLogger)
            }
            #expect(belowError.description.contains(below))
        }
    }
}
