import D8Harness
import Foundation
import Testing

/// `d8 check-config`: validates without starting anything and prints the effective routes,
/// including what cannot run with this environment (zero-cost mode with no API keys).
@Suite("d8 check-config")
struct CheckConfigTests {
    static func write(_ yaml: String) throws -> String {
        let path = temporaryDirectory() + "/d8.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let noKeys = ["env", "-u", "GROQ_API_KEY", "-u", "GEMINI_API_KEY", "-u", "ANTHROPIC_API_KEY"]

    func checkConfig(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("/usr/bin/env", Array(Self.noKeys.dropFirst()) + [D8Binary.url.path, "check-config"] + arguments)
    }

    @Test func withoutKeysTheDefaultRoutesEverythingToTheLocalModel() throws {
        let result = try checkConfig(["--", "\(Repository.root.path)/config.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("config.yaml: valid"))
        #expect(result.stdout.contains("agent_action: cheapest, max $0.02 → deepseek ($0.0/$0.0 per Mtok)"), "\(result.stdout)")
        #expect(result.stdout.contains("groq ($0.59/$0.79 per Mtok; cannot run here: create failed: groq: api_key is missing (set GROQ_API_KEY"), "\(result.stdout)")
        #expect(result.stdout.contains("Zero-cost worker types (used first by `cheapest`, and when a budget is spent): deepseek, echo"))
        #expect(!result.stdout.contains("No eligible worker type"), "every task type has the local model")
        #expect(result.stderr.contains("GROQ_API_KEY} is not set"), "unset variables are warned about")
    }

    @Test func aTaskTypeOnlyKeyedProvidersServeIsNamed() throws {
        let path = try Self.write("""
            plugins: { dir: \(Repository.plugins) }
            worker_types:
              groq: { api_key: "${GROQ_API_KEY}" }
              local: { plugin: ollama }
            task_types:
              summarize: { route: [groq] }
              chat: { route: [groq, local] }
            """)
        let result = try checkConfig([path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("No eligible worker type can run with this environment for:\n  summarize: groq: create failed: groq: api_key is missing"), "\(result.stdout)")
        #expect(!result.stdout.contains("  chat:"), "chat has the local model")
    }

    @Test func aWrongFileNamesTheFileLineAndKeyAndExits2() throws {
        let path = try Self.write("worker_types: { w: {} }\ntask_types:\n  agent_action: { route: [w], max_cost_usd: cheap }\n")
        let result = try checkConfig([path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):3: task_types.agent_action.max_cost_usd: expected a number"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }
}
