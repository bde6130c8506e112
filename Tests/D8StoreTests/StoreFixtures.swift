import D8Store
import Foundation
import Logging

/// A fresh directory under the system's temporary one, removed after `body`.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("d8-store-test-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// A store on a fresh temporary directory, closed after `body`.
func withStore<T>(_ body: (TaskStore, String) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let store = try TaskStore(directory: directory, logger: quietLogger)
        do {
            let result = try await body(store, directory)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

let quietLogger = Logger(label: "d8.store.test") { _ in SwiftLogNoOpLogHandler() }

/// A pending task with the given seq and everything optional left nil.
func task(
    _ seq: UInt64, type: String = "echo", status: TaskRecord.Status = .pending, idempotencyKey: String? = nil, client: String? = nil
) -> TaskRecord {
    TaskRecord(
        seq: seq, taskID: "task-\(seq)", type: type, data: #"{"n":\#(seq)}"#, priority: 5,
        status: status, maxAttempts: 3, createdAt: 1_700_000_000 + Double(seq), idempotencyKey: idempotencyKey, client: client)
}
