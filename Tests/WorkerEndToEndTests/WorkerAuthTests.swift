import D8Core
import D8Harness
import Foundation
import Testing

/// A worker against an orchestrator that requires the worker token.
@Suite("Worker auth", .serialized)
struct WorkerAuthTests {
    static let secret = "wt-4f1c9a-secret"

    private func cluster() throws -> Cluster {
        try Cluster(workerTypes: "echo:\n  plugin: echo", extra: """
            task_types:
              echo: {}
            auth:
              worker_token: \(Self.secret)
            """)
    }

    @Test func theTokenFromTheEnvironmentLetsTheWorkerIn() async throws {
        let cluster = try cluster()
        defer { cluster.shutdown() }
        let worker = try cluster.startWorker(type: "echo", id: "trusted", arguments: ["--log-level", "debug"], environment: ["D8_WORKER_TOKEN": Self.secret])
        let id = try cluster.submit("echo", data: ["n": 1])
        #expect(try await cluster.waitFinished(id)["assigned_to"] == "trusted")
        #expect(!worker.log.contains(Self.secret), "the token never reaches the log")
    }

    @Test func aWrongTokenIsReportedAndRetriedNotFatal() async throws {
        let cluster = try cluster()
        defer { cluster.shutdown() }
        let wrong = "not-the-\(Self.secret)"
        let worker = try cluster.startWorker(type: "echo", arguments: ["--token", wrong])
        #expect(await eventually { worker.log.contains("the worker token is not valid") }, "\(worker.log)")
        #expect(worker.process.isRunning, "the orchestrator may come back with another config")
        #expect(!worker.log.contains(wrong))
        #expect(try cluster.workerList().isEmpty)
    }
}
