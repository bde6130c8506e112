import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 serve` and `d8 worker` as real processes, with the cc-built Echo plugin from Plugins/.
@Suite("Worker with the Echo plugin", .serialized)
struct EchoWorkerTests {
    static let echo = """
        echo:
          plugin: echo
          slots: 4
        """

    @Test func completesTasksAndRegistersWithThePluginsCapabilities() async throws {
        let cluster = try Cluster(workerTypes: Self.echo)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "echo", id: "echo-1")

        let ids = try (0..<20).map { n in try cluster.submit("echo", data: ["n": JSONValue(n)]) }
        for (n, id) in ids.enumerated() {
            let status = try await cluster.waitFinished(id)
            #expect(status["status"] == "completed")
            #expect(status["assigned_to"] == "echo-1")
            #expect(status["result"]?["output"] == .string(#"{"n":\#(n)}"#))
            #expect(status["result"]?["model"] == "echo")
            #expect(status["result"]?["cost_usd"] == 0)
        }

        let worker = try #require(try cluster.workerList().first { $0["worker_id"] == "echo-1" })
        let capabilities = try #require(worker["capabilities"])
        #expect(capabilities["plugin"]?["name"] == "echo")
        #expect(capabilities["plugin"]?["abi_version"] == 1)
        #expect(capabilities["slots"] == 4)
        #expect(capabilities["models"]?.arrayValue?.first?["id"] == "echo")
        #expect(worker["slots"] == 4)
    }

    @Test func runsUpToItsSlotsAtOnce() async throws {
        let cluster = try Cluster(workerTypes: """
            echo:
              plugin: echo
              slots: 3
              delay_ms: 1500
            """)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "echo", id: "slow")
        let ids = try (0..<5).map { n in try cluster.submit("echo", data: ["n": JSONValue(n)]) }

        // Three start together; the other two wait for free slots.
        #expect(await eventually { try ids.filter { try cluster.status($0)["status"] == "assigned" }.count == 3 })
        #expect(try ids.filter { try cluster.status($0)["status"] == "pending" }.count == 2)
        for id in ids { #expect(try await cluster.waitFinished(id)["status"] == "completed") }
    }

    @Test func requestsPerMinuteBecomeQueueWait() async throws {
        let cluster = try Cluster(workerTypes: """
            echo:
              plugin: echo
              slots: 4
              requests_per_minute: 3
            """)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "echo")
        let ids = try (0..<6).map { n in try cluster.submit("echo", data: ["n": JSONValue(n)]) }

        #expect(await eventually { try ids.filter { try cluster.status($0)["status"] == "completed" }.count == 3 })
        // The limit holds: for the rest of this minute the other three wait in the queue,
        // not leased and not failed.
        try await Task.sleep(for: .seconds(2))
        let statuses = try ids.map { try cluster.status($0)["status"]?.stringValue ?? "?" }
        #expect(statuses.filter { $0 == "completed" }.count == 3, "\(statuses)")
        #expect(statuses.filter { $0 == "pending" }.count == 3, "\(statuses)")
    }
}
