import D8Client
import D8Core
import D8Harness
import Foundation

/// A real `d8 serve` on a loopback port with its own config and data folder, killed by `stop`.
/// One `echo` worker type serves `echo` and the built-in task types. Unchecked Sendable: the
/// process handle is only read for its URL, and killed once by the test that started it.
struct Orchestrator: @unchecked Sendable {
    let serve: ServeProcess
    var url: String { serve.url }

    /// `extra`: further top-level YAML sections (say, `auth:`).
    static func start(extra: String = "") throws -> Orchestrator {
        let dir = temporaryDirectory()
        let yaml = """
            queue:
              heartbeat_interval: 500ms
              worker_timeout: 10s
              task_timeout: 30s
              max_attempts: 2
              retry_backoff: 50ms
              retry_backoff_max: 200ms
            worker_types:
              echo:
                plugin: echo
                slots: 4
            task_types:
              echo: {}
            \(extra)
            """
        try yaml.write(toFile: dir + "/d8.yaml", atomically: true, encoding: .utf8)
        return Orchestrator(serve: try ServeProcess.start(dataDir: dir + "/data", config: dir + "/d8.yaml"))
    }

    func stop() { serve.kill() }

    var client: D8Client { D8Client(orchestrator: url) }

    /// A worker played by the test through `WorkerAPI`: it leases tasks and reports what it is told.
    func worker(_ id: String = "w-\(UUID().uuidString.prefix(8))", token: String? = nil) async throws -> FakeWorker {
        let api = WorkerAPI(endpoint: APIEndpoint(baseURL: url, token: token), workerID: id)
        _ = try await blocking { api.register(workerType: "echo", capabilities: ["slots": 4]) }.get()
        return FakeWorker(api: api)
    }
}

struct FakeWorker {
    let api: WorkerAPI

    /// The next task handed to this worker, waiting up to 5 s for it.
    func lease() async throws -> TaskLease {
        let api = self.api
        let tasks = try await blocking { api.poll(max: 1, wait: .seconds(5)) }.get()
        guard let task = tasks.first else { throw ProcessFailure("no task was leased within 5 s") }
        return task
    }

    func complete(_ task: TaskLease, with result: JSONValue) async throws {
        var result = result.objectValue ?? [:]
        result["success"] = true
        try await report(task, .object(result))
    }

    func fail(_ task: TaskLease, error: String, retryable: Bool = false) async throws {
        try await report(task, ["success": false, "error": .string(error), "retryable": .bool(retryable)])
    }

    private func report(_ task: TaskLease, _ result: JSONValue) async throws {
        let api = self.api
        try await blocking { api.report(api.result(for: task, result)) }.get()
    }
}

/// Runs a blocking call (libcurl, a child process) on its own thread, off the cooperative pool,
/// so tests running in parallel do not stall each other.
func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// An address where nothing listens: connecting is refused at once.
let nowhere = "http://127.0.0.1:1"
