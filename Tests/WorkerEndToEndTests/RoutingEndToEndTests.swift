import D8Core
import D8Harness
import Foundation
import Testing

/// Cost-aware routing with real workers: three worker types of different prices, each a real
/// `d8 worker` with a real plugin behind a fake provider that takes 1.5 s to answer.
@Suite("Routing with real workers", .serialized)
struct RoutingEndToEndTests {
    static func cluster(fakes: [String: FakeProvider], extra: String) throws -> Cluster {
        try Cluster(workerTypes: """
            local:
              plugin: ollama
              base_url: \(fakes["local"]!.baseURL)
              default_model: m
            cheap:
              plugin: groq
              api_key: test
              base_url: \(fakes["cheap"]!.baseURL)
              default_model: m
              prices: { m: { input_usd_per_mtok: 1, output_usd_per_mtok: 1 } }
            dear:
              plugin: claude
              api_key: test
              base_url: \(fakes["dear"]!.baseURL)
              default_model: m
              prices: { m: { input_usd_per_mtok: 10, output_usd_per_mtok: 10 } }
            """, extra: extra)
    }

    static func fakes() throws -> [String: FakeProvider] {
        let slow = Duration.milliseconds(1500)
        return [
            "local": try FakeProvider(handler: FakeProvider.slow(slow, FakeProvider.ollama(text: "from local"))),
            "cheap": try FakeProvider(handler: FakeProvider.slow(slow, FakeProvider.openAIChat(text: "from cheap"))),
            "dear": try FakeProvider(handler: FakeProvider.slow(slow, FakeProvider.claude(text: "from dear"))),
        ]
    }

    static func submitThree(_ cluster: Cluster, maxCost: Double? = nil) throws -> [String] {
        try (0..<3).map { n in
            var body: [String: JSONValue] = ["type": "agent_action", "data": ["messages": [["role": "user", "content": .string("task \(n)")]], "max_tokens": 100]]
            if let maxCost { body["max_cost_usd"] = .number(maxCost) }
            let answer = try cluster.api.call("POST", "/api/tasks/submit", body: .object(body), timeout: .seconds(10)).get()
            return try #require(answer["task_id"]?.stringValue)
        }
    }

    @Test func theCheapestTakesWhatItCanAndTheRestSpillsUpThePriceList() async throws {
        let fakes = try Self.fakes()
        defer { fakes.values.forEach { $0.stop() } }
        let cluster = try Self.cluster(fakes: fakes, extra: "task_types:\n  agent_action: { route: [dear, cheap, local], strategy: cheapest }")
        defer { cluster.shutdown() }
        for type in ["local", "cheap", "dear"] { try cluster.startWorker(type: type, id: type) }
        #expect(await eventually { try cluster.workerList().count == 3 })

        let ids = try Self.submitThree(cluster)
        var types: [String] = []
        for id in ids { types.append(try await cluster.waitFinished(id)["result"]?["worker_type"]?.stringValue ?? "?") }
        #expect(types == ["local", "cheap", "dear"], "one slot each: the cheapest first, then up the price list")
    }

    @Test func aCeilingKeepsThePriceyTypeOutEvenWhenTheOthersAreBusy() async throws {
        let fakes = try Self.fakes()
        defer { fakes.values.forEach { $0.stop() } }
        let cluster = try Self.cluster(fakes: fakes, extra: "task_types:\n  agent_action: { route: [dear, cheap, local], spill_after: 1s }")
        defer { cluster.shutdown() }
        for type in ["local", "cheap", "dear"] { try cluster.startWorker(type: type, id: type) }
        #expect(await eventually { try cluster.workerList().count == 3 })

        // About 110 tokens: dear's estimate ($0.0011) is above the ceiling, cheap's is below.
        let ids = try Self.submitThree(cluster, maxCost: 0.0005)
        var types: [String] = []
        for id in ids { types.append(try await cluster.waitFinished(id)["result"]?["worker_type"]?.stringValue ?? "?") }
        #expect(!types.contains("dear"), "\(types)")
        #expect(Set(types) == ["local", "cheap"], "\(types)")
    }

    @Test func aSpentBudgetMovesWorkToTheFreeType() async throws {
        let fakes = try Self.fakes()
        defer { fakes.values.forEach { $0.stop() } }
        // One cheap estimate (about $0.00012) fits in the budget; a second beside it does not.
        let cluster = try Self.cluster(fakes: fakes, extra: """
            task_types:
              agent_action: { route: [cheap, local], strategy: ordered, spill_after: 1h }
            budgets: { daily_usd: 0.0002 }
            """)
        defer { cluster.shutdown() }
        try cluster.startWorker(type: "cheap", id: "cheap", arguments: ["--slots", "4"])
        try cluster.startWorker(type: "local", id: "local", arguments: ["--slots", "4"])
        #expect(await eventually { try cluster.workerList().count == 2 })

        let ids = try Self.submitThree(cluster)
        var types: [String] = []
        for id in ids { types.append(try await cluster.waitFinished(id)["result"]?["worker_type"]?.stringValue ?? "?") }
        #expect(types.filter { $0 == "cheap" }.count == 1, "\(types)")
        #expect(types.filter { $0 == "local" }.count == 2, "the budget sends the rest to the free type: \(types)")
        let cost = try cluster.api.call("GET", "/api/stats", timeout: .seconds(10)).get()["cost"]
        #expect((cost?["spent_today_usd"]?.doubleValue ?? 1) <= 0.0002)
    }
}
