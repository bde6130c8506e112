import D8Harness
import D8Core
import D8Worker
import Foundation
import Logging
import Testing

@Suite struct EchoPluginTests {
    let logger = Logger(label: "test")

    @Test func loadsAndDescribesItself() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let plugin = try PluginLoader.load(path: fixtures.buildEcho())
        #expect(plugin.name == "echo")
        #expect(plugin.version == "1.0.0")
        #expect(plugin.abiVersion == 1)
        let description = try plugin.makeInstance(config: [:], logger: logger).describe()
        let expected = try JSONValue.parse("""
            {"name":"echo","version":"1.0.0","task_types":["*"],"default_model":"echo","models":[{"id":"echo","input_usd_per_mtok":0,"output_usd_per_mtok":0}],"limits":{}}
            """)
        #expect(description == expected)
    }

    @Test func executeEchoesTheDataWithUsage() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let instance = try PluginLoader.load(path: fixtures.buildEcho()).makeInstance(config: [:], logger: logger)
        let data: JSONValue = ["prompt": "say \"hi\"\\ then\nstop\u{1}", "n": 3, "nested": ["data": [1, 2]]]
        let task: JSONValue = ["task_id": "t1", "type": "agent_action", "meta": ["data": "not this one"], "data": data]
        guard case let .ok(result) = instance.execute(task: task) else {
            Issue.record("expected ok, got \(instance.execute(task: task))")
            return
        }
        #expect(result["success"] == true)
        #expect(result["model"] == "echo")
        #expect(result["cost_usd"] == 0)
        let output = try #require(result["output"]?.stringValue)
        #expect(try JSONValue.parse(output) == data)
        let tokens = JSONValue(task.jsonBytes.count / 4)
        #expect(result["usage"] == ["input_tokens": tokens, "output_tokens": tokens])
    }

    @Test func taskWithoutDataFailsWithThePluginsMessage() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let instance = try PluginLoader.load(path: fixtures.buildEcho()).makeInstance(config: [:], logger: logger)
        #expect(instance.execute(task: ["task_id": "t1"]) == .fail(message: "echo: the task has no \"data\" member", details: nil))
    }

    @Test func concurrentExecutesEachGetTheirOwnResult() async throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let instance = try PluginLoader.load(path: fixtures.buildEcho()).makeInstance(config: ["delay_ms": 20], logger: logger)
        let outputs = await withTaskGroup(of: (Int, PluginOutcome).self) { group in
            for i in 0..<8 {
                group.addTask { (i, instance.execute(task: ["task_id": .string("t\(i)"), "data": ["i": JSONValue(i)]])) }
            }
            return await group.reduce(into: [Int: PluginOutcome]()) { $0[$1.0] = $1.1 }
        }
        #expect(outputs.count == 8)
        for (i, outcome) in outputs {
            guard case let .ok(result) = outcome, let output = result["output"]?.stringValue else {
                Issue.record("task \(i): \(outcome)")
                continue
            }
            #expect(try JSONValue.parse(output) == ["i": JSONValue(i)])
        }
    }

    @Test func delayIsHonoured() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let instance = try PluginLoader.load(path: fixtures.buildEcho()).makeInstance(config: ["delay_ms": 150, "other": "ignored"], logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = instance.execute(task: ["data": [:]])
        #expect(clock.now - start >= .milliseconds(150))
        guard case .ok = outcome else { Issue.record("expected ok, got \(outcome)"); return }
    }

    @Test func badDelayFailsCreate() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.buildEcho()
        let plugin = try PluginLoader.load(path: path)
        for config: JSONValue in [["delay_ms": "soon"], ["delay_ms": -1], ["delay_ms": 99_999_999_999]] {
            let error = try #require(throws: PluginError.self) { try plugin.makeInstance(config: config, logger: logger) }
            #expect(error.description == "\(path): create failed: echo: delay_ms must be a whole number of ms, at most one day")
        }
    }
}
