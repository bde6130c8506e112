import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// 64 priced tasks spread over three nodes with eight-slot workers on each: together the nodes
/// reserve and spend within the daily limit, never past it, and what the budget does not admit
/// waits as held.
@Suite("Budgets across cluster nodes", .serialized, .enabled(if: ClusterDatabase.baseURL != nil, "needs D8_TEST_POSTGRES_URL (make test starts a server)"))
struct BudgetRaceTests {
    @Test func sixtyFourTasksOnThreeNodesNeverPassTheDailyLimit() async throws {
        let base = try #require(ClusterDatabase.baseURL)
        let schema = "d8b_" + UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(12)
        try Self.psql(base, "CREATE SCHEMA \(schema)")
        defer { try? Self.psql(base, "DROP SCHEMA IF EXISTS \(schema) CASCADE") }
        // Each answer costs $0.00006 (10 + 50 tokens at $1 per million); each lease reserves its
        // estimate, above that (100 output tokens at most).
        let fake = try FakeProvider(handler: FakeProvider.slow(.milliseconds(150), FakeProvider.openAIChat(text: "ok", promptTokens: 10, completionTokens: 50)))
        defer { fake.stop() }
        let limit = 0.0015
        let dir = temporaryDirectory()
        let config = dir + "/d8.yaml"
        try """
            server:
              store: postgres
              postgres: { url: "\(base)?search_path=\(schema)", node_timeout: 5s }
            queue: { heartbeat_interval: 1s, worker_timeout: 10s, task_timeout: 30s }
            worker_types:
              priced:
                plugin: groq
                api_key: test
                base_url: \(fake.baseURL)
                default_model: m
                prices: { m: { input_usd_per_mtok: 1, output_usd_per_mtok: 1 } }
            task_types:
              agent_action: { route: [priced] }
            budgets: { daily_usd: \(limit) }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        var nodes: [ServeProcess] = []
        var workers: [WorkerProcess] = []
        defer {
            workers.forEach { $0.kill() }
            nodes.forEach { $0.kill() }
        }
        for n in 0..<3 { nodes.append(try ServeProcess.start(dataDir: dir + "/data\(n)", config: config)) }
        for (n, node) in nodes.enumerated() {
            workers.append(try WorkerProcess.start(type: "priced", config: config, orchestrator: node.url, id: "w\(n)", arguments: ["--slots", "8"]))
        }
        let api = nodes.map { APIEndpoint(baseURL: $0.url, token: nil) }
        #expect(await eventually(timeout: .seconds(15)) { try api.allSatisfy { try $0.get("/api/workers/list")["workers"]?.arrayValue?.isEmpty == false } })

        var ids: [String] = []
        for i in 0..<64 {
            let body: JSONValue = ["type": "agent_action", "data": ["messages": [["role": "user", "content": .string("task \(i)")]], "max_tokens": 100]]
            let answer = try api[i % 3].post("/api/tasks/submit", body)
            ids.append(try #require(answer["task_id"]?.stringValue))
        }
        // Settled: every task completed or held, nothing leased.
        var statuses: [String: String] = [:]
        #expect(await eventually(timeout: .seconds(60)) {
            for id in ids { statuses[id] = try api[0].get("/api/tasks/status/\(id)")["d8_status"]?.stringValue }
            return statuses.values.allSatisfy { $0 == "completed" || $0 == "held" }
        }, "\(statuses.values.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 })")
        let completed = statuses.values.filter { $0 == "completed" }.count
        let held = statuses.values.filter { $0 == "held" }.count
        let spent = Double(try Self.psql(base, "SELECT coalesce(sum(cost_usd), 0) FROM \(schema).tasks").first ?? "") ?? .nan
        let ledger = Double(try Self.psql(base, "SELECT coalesce(sum(spent), 0) FROM \(schema).budgets WHERE scope = 'global'").first ?? "") ?? .nan
        let reserved = try Self.psql(base, "SELECT count(*) FROM \(schema).reservations")
        print("budget race: \(completed) completed, \(held) held, $\(spent) spent of $\(limit)")
        #expect(completed > 0 && held > 0, "the budget admits some and holds the rest: \(completed) completed, \(held) held")
        #expect(spent <= limit + 1e-12, "spent $\(spent) of $\(limit)")
        #expect(abs(spent - ledger) < 1e-9, "the budget's ledger ($\(ledger)) is what the tasks cost ($\(spent))")
        #expect(reserved == ["0"], "no lease is open, so nothing is reserved")
        #expect(completed == Int((limit / 0.00006).rounded(.down)) || spent + 0.00012 > limit,
                "tasks ran until the next estimate no longer fit: \(completed) completed, $\(spent) spent")
    }

    @discardableResult
    static func psql(_ url: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ProcessFailure("psql failed: \(sql)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

extension APIEndpoint {
    func get(_ path: String) throws -> JSONValue { try call("GET", path, timeout: .seconds(10)).get() }
    func post(_ path: String, _ body: JSONValue) throws -> JSONValue { try call("POST", path, body: body, timeout: .seconds(10)).get() }
}
