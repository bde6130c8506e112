import D8Core
import D8Harness
import Foundation
import Testing

/// Client keys are tenants: each sees, waits for, cancels and de-duplicates against its own tasks
/// only, and another key's task is a 404 worded as for a task that does not exist. Admin keys
/// see and control everything.
@Suite("Tenants")
struct TenantTests {
    static let workerToken = "wt-tenant-0c1d"
    static let alpha = "ck-tenant-alpha-51e2", beta = "ck-tenant-beta-9a07", admin = "ak-tenant-ops-77f3"

    static func configure(_ config: inout D8Config) {
        // Budgets need a price to reserve against: the echo type is free.
        config.plugins.dir = "/nonexistent"
        for index in config.workerTypes.indices where config.workerTypes[index].name == "echo" {
            config.workerTypes[index].settings["default_model"] = .string("echo")
            config.workerTypes[index].settings["prices"] = .map(["echo": .map(["input_usd_per_mtok": .number(0), "output_usd_per_mtok": .number(0)])])
        }
        config.auth.workerToken = workerToken
        config.auth.clientKeys = [
            ClientKey(name: "alpha", key: alpha, dailyBudgetUSD: 5),
            ClientKey(name: "beta", key: beta, dailyBudgetUSD: 2),
            ClientKey(name: "ops", key: admin, isAdmin: true),
        ]
    }

    @Test func everyClientEndpointWithTwoKeys() async throws {
        try await withLiveServer(Self.configure) { server in
            let (a, b, ops) = (server.client(Self.alpha), server.client(Self.beta), server.client(Self.admin))
            let first = try await a.submit(data: ["prompt": "alpha's secret plan"], key: "order-1")
            #expect(first.status == 201)
            let id = try #require(first["task_id"]?.stringValue)
            let batch = try await a.post("/api/tasks/batch", ["tasks": [["type": "echo", "data": ["prompt": "alpha two"]]]])
            #expect(batch.status == 201)

            // Status, its long-poll and cancel: beta gets exactly what an unknown id gets.
            let unknown = try await b.status("no-such-task")
            for reply in [try await b.status(id), try await b.get("/api/tasks/status/\(id)?wait=0.5"), try await b.post("/api/tasks/\(id)/cancel")] {
                #expect(reply.status == 404, "\(reply.body)")
                #expect(reply["code"] == unknown["code"])
                #expect(reply["error"]?.stringValue == "no task with id '\(id)'")
                #expect(!reply.body.jsonString.contains("secret plan"))
            }
            #expect(try await a.status(id)["status"] == "pending", "beta's cancel changed nothing")

            // Idempotency keys are per client: beta's "order-1" is a new task of beta's.
            let theirs = try await b.submit(data: ["prompt": "beta's own"], key: "order-1")
            #expect(theirs.status == 201)
            let betaID = try #require(theirs["task_id"]?.stringValue)
            #expect(betaID != id)
            let again = try await a.submit(data: ["prompt": "ignored"], key: "order-1")
            #expect(again.status == 200 && again["task_id"]?.stringValue == id && again["duplicate"] == true)

            // The queue shows each its own share; the admin sees all.
            let alphaQueue = try await a.get("/api/tasks/queue")
            #expect(alphaQueue["total"] == 2)
            #expect(alphaQueue["tasks"]?.arrayValue?.count == 2)
            #expect(alphaQueue["tasks"]?.arrayValue?.contains { $0["task_id"]?.stringValue == betaID } == false)
            let betaQueue = try await b.get("/api/tasks/queue")
            #expect(betaQueue["total"] == 1)
            #expect(betaQueue["tasks"]?.arrayValue?.map { $0["task_id"]?.stringValue } == [betaID])
            #expect(try await ops.get("/api/tasks/queue")["total"] == 3)

            // Stats and costs: counts of one's own tasks, one's own budget.
            for path in ["/api/stats", "/api/workers/stats"] {
                let alphaStats = try await a.get(path)
                #expect(alphaStats["tasks"]?["pending"] == 2, "\(path): \(alphaStats.body)")
                #expect(alphaStats["cost"]?["budgets"]?.arrayValue?.map { $0["scope"]?.stringValue } == ["client:alpha"])
                let betaStats = try await b.get(path)
                #expect(betaStats["tasks"]?["pending"] == 1)
                #expect(betaStats["cost"]?["budgets"]?.arrayValue?.map { $0["scope"]?.stringValue } == ["client:beta"])
                let all = try await ops.get(path)
                #expect(all["tasks"]?["pending"] == 3)
                #expect(all["cost"]?["budgets"]?.arrayValue?.count == 2)
            }
            #expect(try await b.get("/api/workers/list").status == 200, "workers are shared: everyone sees them")

            // Finished tasks are answered from the store: still beta's 404, still alpha's own.
            let worker = server.client(Self.workerToken)
            #expect(try await worker.register("w", slots: 4).status == 200)
            let leased = try await worker.poll("w", max: 4)["tasks"]?.arrayValue ?? []
            #expect(leased.count == 3)
            for task in leased { #expect(try await worker.report(task, worker: "w").status == 200) }
            #expect(try await a.status(id)["status"] == "completed")
            #expect(try await b.status(id).status == 404)
            #expect(try await b.get("/api/tasks/status/\(id)?wait=1").status == 404)
            #expect(try await b.post("/api/tasks/\(id)/cancel").status == 404)
            #expect(try await b.get("/api/stats")["tasks"]?["completed"] == 1)
            #expect(try await a.get("/api/stats")["tasks"]?["completed"] == 2)
            #expect(try await ops.get("/api/stats")["tasks"]?["completed"] == 3)
        }
    }

    @Test func anAdminKeySeesAndCancelsEveryonesTasks() async throws {
        try await withLiveServer(Self.configure) { server in
            let (b, ops) = (server.client(Self.beta), server.client(Self.admin))
            let id = try #require(try await b.submit(data: ["prompt": "beta's"])["task_id"]?.stringValue)
            #expect(try await ops.status(id)["data"]?["prompt"] == "beta's")
            #expect(try await ops.post("/api/tasks/\(id)/cancel")["d8_status"] == "cancelled")
            #expect(try await b.status(id)["d8_status"] == "cancelled")
            // An admin's own idempotency keys are its own too.
            let mine = try await ops.submit(key: "k")
            let theirs = try await b.submit(key: "k")
            #expect(mine.status == 201 && theirs.status == 201)
            #expect(mine["task_id"] != theirs["task_id"])
        }
    }

    /// Keys submitted before tenants existed, and idempotency per client across a restart, come
    /// from the store: a restarted server still keeps beta out of alpha's tasks.
    @Test func isolationHoldsAcrossARestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-tenants-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func configure(_ config: inout D8Config) {
            Self.configure(&config)
            config.server.dataDir = folder.path
        }
        let id = try await withLiveServer(configure) { server in
            try #require(try await server.client(Self.alpha).submit(key: "once")["task_id"]?.stringValue)
        }
        try await withLiveServer(configure) { (server: LiveServer) async throws -> Void in
            let (a, b) = (server.client(Self.alpha), server.client(Self.beta))
            #expect(try await b.status(id).status == 404)
            #expect(try await a.submit(key: "once")["task_id"]?.stringValue == id)
            #expect(try await b.submit(key: "once").status == 201)
        }
    }
}
