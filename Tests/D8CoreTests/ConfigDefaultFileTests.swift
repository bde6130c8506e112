import Foundation
import Testing
@testable import D8Core

@Suite("Config: the repository's config.yaml and the built-in copy")
struct ConfigDefaultFileTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../config.yaml").standardized.path

    @Test func theBuiltInCopyIsByteIdenticalToConfigYAML() throws {
        let file = try Data(contentsOf: URL(fileURLWithPath: Self.path))
        #expect(file == Data(D8Config.embeddedYAML.utf8), "the built-in copy is compiled from config.yaml (Sources/D8Core/Config/config.yaml links to it)")
    }

    @Test func embeddedDefaultIsConfigYAMLWithAnEmptyEnvironment() throws {
        let loaded = try D8Config.load(path: Self.path, environment: [:])
        #expect(D8Config.embeddedDefault == loaded.config)
        // Without keys in the environment, the only complaints are the three API keys.
        #expect(loaded.warnings.count == 3)
        #expect(loaded.warnings.allSatisfy { $0.hasPrefix(Self.path + ":") && $0.contains("_API_KEY} is not set") })
    }

    @Test func theDefaultRunsOnOneMachine() throws {
        let c = D8Config.embeddedDefault
        #expect(c.server == ServerConfig())
        #expect(c.queue == QueueConfig())
        #expect(c.plugins == PluginsConfig())
        #expect(!c.auth.isEnabled && c.budgets.isEmpty)
        #expect(c.workerTypes.map(\.name) == ["groq", "gemini", "claude", "deepseek", "echo"])
        #expect(c.workerTypes.map(\.plugin) == ["groq", "gemini", "claude", "ollama", "echo"])
        #expect(c.workerTypes[3].settings == [
            "base_url": .string("http://localhost:11434"), "default_model": .string("deepseek-coder:6.7b"),
        ])
        #expect(c.taskTypes.map(\.name) == D8Config.builtInTaskTypes + ["echo"])
        #expect(c.taskType(named: "agent_action")?.route == ["deepseek", "gemini", "groq", "claude"])
        #expect(c.taskType(named: "agent_action")?.maxCostUSD == 0.02)
        #expect(c.taskType(named: "code_generation")?.route == ["deepseek", "claude"])
        #expect(c.taskType(named: "evolution_mutation")?.route == ["deepseek", "gemini"])
        #expect(c.taskType(named: "echo")?.route == ["echo"])
    }

    @Test func apiKeysComeFromTheEnvironment() throws {
        let loaded = try D8Config.parse(yaml: D8Config.embeddedYAML, file: "config.yaml",
                                        environment: ["GROQ_API_KEY": "g", "GEMINI_API_KEY": "m", "ANTHROPIC_API_KEY": "a"])
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.config.workerTypes.prefix(3).map { $0.settings["api_key"] } == [.string("g"), .string("m"), .string("a")])
    }
}
