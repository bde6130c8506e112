import D8Core
import D8Harness
import Foundation
import Testing

/// The result cache through a live orchestrator: a submit identical to a completed task within
/// the TTL is answered at once from its result, without a worker or a budget.
@Suite("Result cache")
struct ResultCacheTests {
    static func caching(ttl: Duration = .seconds(3600), _ more: @escaping @Sendable (inout D8Config) -> Void = { _ in }) -> @Sendable (inout D8Config) -> Void {
        { config in
            let index = config.taskTypes.firstIndex { $0.name == "echo" }!
            config.taskTypes[index].cacheTTL = ttl
            more(&config)
        }
    }

    /// Submits, leases and completes one task at a cost; returns its id.
    static func complete(_ client: HTTPTestClient, data: JSONValue, cost: Double = 0.25) async throws -> String {
        let id = try #require(try await client.submit(data: data)["task_id"]?.stringValue)
        let task = try #require(try await client.poll("w")["task"])
        #expect(task["task_id"]?.stringValue == id)
        #expect(try await client.report(task, worker: "w", output: "the answer", extra: ["cost_usd": .number(cost)]).status == 200)
        return id
    }

    @Test func anIdenticalSubmitIsAnsweredFromTheCacheAtNoCost() async throws {
        try await withLiveServer(Self.caching()) { server in
            let client = server.client
            try await client.register("w")
            let original = try await Self.complete(client, data: ["prompt": "hi", "model": "m", "n": 1.5, "list": [1, 2]])

            // Key order and number spelling do not matter.
            let hit = try await client.post("/api/tasks/submit", .object(["type": "echo", "data": try JSONValue.parse(#"{"list":[1.0,2e0],"n":15e-1,"model":"m","prompt":"hi"}"#)]))
            #expect(hit.status == 201, "\(hit.body)")
            #expect(hit["status"] == "completed" && hit["cached"] == true, "\(hit.body)")
            #expect(hit["cached_from"]?.stringValue == original)
            #expect(hit["result"]?["output"] == "the answer")
            #expect(hit["cost_usd"] == 0)
            let hitID = try #require(hit["task_id"]?.stringValue)
            #expect(hitID != original, "a hit is a task of its own")
            #expect(try await client.status(hitID)["cached"] == true)
            #expect(try await client.poll("w")["task"] == .null, "nothing reached a worker")

            let stats = try await client.get("/api/stats")
            #expect(stats["cache"]?["hits"] == 1 && stats["cache"]?["saved_usd"] == 0.25, "\(stats.body)")
            #expect(stats["task_types"]?["echo"]?["cache_hits"] == 1)
            #expect(stats["cost"]?["spent_today_usd"] == 0.25, "only the original was paid for")
        }
    }

    @Test func otherDataAnotherModelARefusalOrAnotherClientMiss() async throws {
        let keys: @Sendable (inout D8Config) -> Void = { config in
            config.auth.clientKeys = [ClientKey(name: "alpha", key: "ck-alpha"), ClientKey(name: "beta", key: "ck-beta")]
        }
        try await withLiveServer(Self.caching(keys)) { server in
            let alpha = server.client("ck-alpha"), beta = server.client("ck-beta")
            try await alpha.register("w")
            _ = try await Self.complete(alpha, data: ["prompt": "hi", "model": "m"])

            #expect(try await alpha.submit(data: ["prompt": "hi", "model": "other"])["cached"] == false, "the model is part of the key")
            #expect(try await alpha.submit(data: ["prompt": "hi!", "model": "m"])["cached"] == false)
            #expect(try await beta.submit(data: ["prompt": "hi", "model": "m"])["cached"] == false, "one tenant never gets another's result")
            let refused = try await alpha.post("/api/tasks/submit", ["type": "echo", "data": ["prompt": "hi", "model": "m"], "cache": false])
            #expect(refused.status == 201 && refused["cached"] == false && refused["status"] == "submitted")
            #expect(try await alpha.post("/api/tasks/submit", ["type": "echo", "data": [:], "cache": "no"]).status == 400)
            #expect(try await alpha.submit(data: ["prompt": "hi", "model": "m"])["cached"] == true, "the original still serves")
        }
    }

    @Test func aTaskTypeWithoutACacheAndAFailedTaskNeverServe() async throws {
        try await withLiveServer(Self.caching()) { server in
            let client = server.client
            try await client.register("w")
            _ = try await client.submit(data: ["prompt": "fails"])
            let task = try #require(try await client.poll("w")["task"])
            _ = try await client.report(task, worker: "w", success: false, extra: ["error": "no", "retryable": false])
            #expect(try await client.submit(data: ["prompt": "fails"])["cached"] == false)
        }
        try await withLiveServer { server in // echo without `cache:`
            let client = server.client
            try await client.register("w")
            _ = try await Self.complete(client, data: ["prompt": "hi"])
            #expect(try await client.submit(data: ["prompt": "hi"])["cached"] == false)
        }
    }

    @Test func aResultOlderThanTheTTLIsNotServed() async throws {
        try await withLiveServer(Self.caching(ttl: .milliseconds(300))) { server in
            let client = server.client
            try await client.register("w")
            _ = try await Self.complete(client, data: ["prompt": "hi"])
            try await Task.sleep(for: .milliseconds(500))
            let late = try await client.submit(data: ["prompt": "hi"])
            #expect(late["cached"] == false && late["status"] == "submitted", "\(late.body)")
        }
    }

    /// The cache is in the store, not in memory: a restarted orchestrator still answers from it.
    @Test func theCacheSurvivesARestart() async throws {
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        Self.caching()(&config)
        let original = try await withLiveServer(config: config) { server in
            try await server.client.register("w")
            return try await Self.complete(server.client, data: ["prompt": "kept"])
        }
        try await withLiveServer(config: config) { server in
            let hit = try await server.client.submit(data: ["prompt": "kept"])
            #expect(hit["cached"] == true && hit["cached_from"]?.stringValue == original)
        }
    }
}
