import D8Core
import D8Harness
import Foundation
import Testing

/// Routing and budgets through a live orchestrator, the test acting as workers of three worker
/// types: `local` (free), `cheap` ($1 per Mtok either way) and `dear` ($10 per Mtok). A `chat`
/// task of these tests is estimated at 10 input and 1000 output tokens: $0, $0.00101, $0.0101.
@Suite("Routing and budgets")
struct RoutingTests {
    static func config(budget: Double? = nil, _ change: @escaping @Sendable (inout D8Config) -> Void = { _ in }) -> @Sendable (inout D8Config) -> Void {
        { config in
            config.plugins.dir = "/nonexistent" // prices from the config only
            config.workerTypes = [("local", 0.0), ("cheap", 1.0), ("dear", 10.0)].map { name, price in
                WorkerTypeConfig(name: name, plugin: "fake-\(name)", settings: [
                    "default_model": .string("m"),
                    "prices": .map(["m": .map(["input_usd_per_mtok": .number(price), "output_usd_per_mtok": .number(price)])]),
                ])
            }
            var chat = TaskTypeConfig(name: "chat", route: ["dear", "cheap", "local"])
            chat.spillAfter = .seconds(1)
            chat.maxTokens = 1000
            config.taskTypes = [chat]
            config.budgets.dailyUSD = budget
            change(&config)
        }
    }

    static let data: JSONValue = ["p": "hi"] // 10 bytes: 3 input tokens

    func taskID(_ reply: HTTPTestClient.Reply) throws -> String { try #require(reply["task_id"]?.stringValue, "\(reply)") }

    @Test func theCheapestTypeWithAFreeSlotTakesItAndPricierOnesTakeTheOverflow() async throws {
        try await withLiveServer(Self.config()) { server in
            let client = server.client
            for type in ["local", "cheap", "dear"] { try await client.register(type, type: type, slots: 1) }
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try taskID(try await client.submit("chat", data: Self.data))) }

            #expect(try await client.poll("dear")["task"] == .null, "local and cheap have free slots")
            #expect(try await client.poll("cheap")["task"] == .null, "local has a free slot")
            #expect(try await client.poll("local")["task"]?["task_id"]?.stringValue == ids[0])
            #expect(try await client.poll("dear")["task"] == .null, "cheap still has a free slot")
            #expect(try await client.poll("cheap")["task"]?["task_id"]?.stringValue == ids[1])
            #expect(try await client.poll("dear")["task"]?["task_id"]?.stringValue == ids[2], "the cheaper ones are saturated")
        }
    }

    @Test func aTaskSpillsToAPricierTypeAfterTheSpillDelay() async throws {
        try await withLiveServer(Self.config()) { server in
            let client = server.client
            try await client.register("local", type: "local") // registered with a free slot, but not polling
            try await client.register("dear", type: "dear")
            let id = try taskID(try await client.submit("chat", data: Self.data))
            #expect(try await client.poll("dear")["task"] == .null)
            let start = ContinuousClock.now
            let taken = try await client.poll("dear", wait: 5)["task"]
            #expect(taken?["task_id"]?.stringValue == id)
            #expect(ContinuousClock.now - start >= .milliseconds(700), "woken when the 1 s spill delay passed")
        }
    }

    @Test func ceilingsKeepPriceyTypesOutAndNothingEligibleIs422() async throws {
        try await withLiveServer(Self.config { config in config.taskTypes[0].maxCostUSD = 0.005 }) { server in
            let client = server.client
            try await client.register("dear", type: "dear", slots: 4)
            _ = try taskID(try await client.submit("chat", data: Self.data))
            try await Task.sleep(for: .milliseconds(1200)) // past the spill delay, too
            #expect(try await client.poll("dear")["task"] == .null, "dear's estimate is above the task type's ceiling")

            var body: [String: JSONValue] = ["type": "chat", "data": Self.data, "max_cost_usd": 0]
            let onlyFree = try await client.post("/api/tasks/submit", .object(body))
            #expect(onlyFree.status == 201, "the free type fits any ceiling")
            body["max_cost_usd"] = -1
            #expect(try await client.post("/api/tasks/submit", .object(body)).status == 400)
        }
    }

    @Test func aSubmitNoWorkerTypeMayTakeIsRefusedWithTheReasons() async throws {
        try await withLiveServer(Self.config { config in
            config.workerTypes.append(WorkerTypeConfig(name: "mystery", plugin: "fake-mystery"))
            var pricey = TaskTypeConfig(name: "pricey", route: ["dear", "mystery"])
            pricey.maxCostUSD = 0.001
            pricey.maxTokens = 1000
            config.taskTypes.append(pricey)
        }) { server in
            let reply = try await server.client.submit("pricey", data: Self.data)
            #expect(reply.status == 422)
            #expect(reply["code"] == "no_eligible_worker_type")
            let message = reply["error"]?.stringValue ?? ""
            #expect(message.contains("dear: estimated $0.01003 exceeds max_cost_usd $0.001"), "\(message)")
            #expect(message.contains("mystery: its price is unknown, and max_cost_usd $0.001 needs one"), "\(message)")
        }
    }

    @Test func aSpentBudgetMovesWorkToTheFreeType() async throws {
        try await withLiveServer(Self.config(budget: 0.0015) { config in config.taskTypes[0].route = ["cheap", "local"]; config.taskTypes[0].strategy = .ordered }) { server in
            let client = server.client
            try await client.register("cheap", type: "cheap", slots: 4)
            try await client.register("local", type: "local", slots: 4)
            let first = try taskID(try await client.submit("chat", data: Self.data))
            let second = try taskID(try await client.submit("chat", data: Self.data))
            #expect(try await client.poll("cheap", max: 4)["tasks"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue } == [first],
                    "the second estimate does not fit beside the first's reservation")
            #expect(try await client.poll("local", max: 4)["tasks"]?.arrayValue?.compactMap { $0["task_id"]?.stringValue } == [second])
        }
    }

    @Test func withNoFreeTypeASpentBudgetHoldsTheTaskUntilTheBudgetAllows() async throws {
        try await withLiveServer(Self.config(budget: 0.0015) { config in config.taskTypes[0].route = ["cheap"] }) { server in
            let client = server.client
            try await client.register("cheap", type: "cheap", slots: 4)
            _ = try taskID(try await client.submit("chat", data: Self.data))
            let second = try taskID(try await client.submit("chat", data: Self.data))
            let leased = try #require(try await client.poll("cheap", max: 4)["tasks"]?.arrayValue)
            #expect(leased.count == 1)
            let held = try await client.status(second)
            #expect(held["d8_status"] == "held")
            #expect(held["held_reason"]?.stringValue?.contains("the global daily budget of $0.0015 is spent") == true, "\(held)")

            // The real cost is far below the estimate: settling it makes room again.
            #expect(try await client.report(leased[0], worker: "cheap", extra: ["cost_usd": 0.0001]).status == 200)
            #expect(await eventually { try await client.status(second)["d8_status"] == "pending" })
            #expect(try await client.poll("cheap")["task"]?["task_id"]?.stringValue == second)
            let cost = try await client.get("/api/stats")["cost"]
            #expect(cost?["spent_today_usd"] == 0.0001)
        }
    }

    @Test func sixtyFourConcurrentTasksNeverLeasePastTheBudget() async throws {
        // Ten estimates of $0.00101 fit in $0.0102; the eleventh does not.
        try await withLiveServer(Self.config(budget: 0.0102) { config in config.taskTypes[0].route = ["cheap"] }) { server in
            let client = server.client
            for n in 0..<4 { try await client.register("cheap-\(n)", type: "cheap", slots: 64) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 { group.addTask { _ = try await client.submit("chat", data: Self.data) } }
                try await group.waitForAll()
            }
            let leased = try await withThrowingTaskGroup(of: Int.self) { group in
                for n in 0..<4 { group.addTask { try await client.poll("cheap-\(n)", max: 64)["tasks"]?.arrayValue?.count ?? 0 } }
                return try await group.reduce(0, +)
            }
            #expect(leased == 10)
            let cost = try #require(try await client.get("/api/stats")["cost"])
            let global = cost["budgets"]?.arrayValue?.first { $0["scope"] == "global" }
            #expect((global?["reserved_usd"]?.doubleValue ?? 1) <= 0.0102)
            let stats = try await client.get("/api/stats")
            #expect(stats["tasks"]?["by_d8_status"]?["held"] == 54, "the rest wait as held, none dropped")
        }
    }

    @Test func aRestartKeepsSpendAndReservations() async throws {
        let configure = Self.config(budget: 1) { config in config.taskTypes[0].route = ["cheap"] }
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        configure(&config)
        try await withLiveServer(config: config) { server in
            let client = server.client
            try await client.register("cheap", type: "cheap", slots: 2)
            _ = try await client.submit("chat", data: Self.data)
            _ = try await client.submit("chat", data: Self.data)
            let leased = try #require(try await client.poll("cheap", max: 2)["tasks"]?.arrayValue)
            #expect(leased.count == 2)
            #expect(try await client.report(leased[0], worker: "cheap", extra: ["cost_usd": 0.0004]).status == 200)
        }

        try await withLiveServer(config: config) { restarted in
            let client = restarted.client
            let cost = try #require(try await client.get("/api/stats")["cost"])
            #expect(cost["spent_today_usd"] == 0.0004)
            #expect(abs((cost["reserved_usd"]?.doubleValue ?? 0) - 0.001003) < 1e-9, "the second lease's reservation survives: its worker may still be spending")
        }
    }
}

/// A task type's prompt shape from the config: a user adds a type with no code.
@Suite("Prompt shapes")
struct PromptShapeTests {
    @Test func aTemplateAndASystemTextBecomeTheMessagesAWorkerReceives() async throws {
        try await withLiveServer { config in
            var summarize = TaskTypeConfig(name: "summarize", route: ["echo"])
            summarize.system = "Be brief."
            summarize.prompt = "Summarize in {words} words: {text} {missing}"
            config.taskTypes.append(summarize)
        } run: { server in
            let client = server.client
            try await client.register("w")
            _ = try await client.submit("summarize", data: ["text": "a long story", "words": 12])
            let task = try #require(try await client.poll("w")["task"])
            #expect(task["data"]?["messages"] == [
                ["role": "system", "content": "Be brief."],
                ["role": "user", "content": "Summarize in 12 words: a long story {missing}"],
            ])
            #expect(task["messages"] == task["data"]?["messages"], "old workers read data keys at the top level")
        }
    }
}
