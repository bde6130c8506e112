import D8Core
import D8Harness
import D8Worker
import Testing

@Suite struct CreateAndDescribeTests {
    @Test(arguments: [("groq", "GROQ_API_KEY"), ("gemini", "GEMINI_API_KEY"), ("claude", "ANTHROPIC_API_KEY")])
    func createWithoutAPIKeyNamesTheKey(plugin: String, variable: String) {
        let expected = "create failed: \(plugin): api_key is missing (set \(variable) or api_key in the worker type)"
        #expect(StagedPlugins.createFailure(plugin, config: ["default_model": "x"]) == expected)
        #expect(StagedPlugins.createFailure(plugin, config: ["api_key": ""]) == expected)
    }

    @Test(arguments: ["groq", "gemini", "claude", "ollama"])
    func createRefusesBadSettingsNamingTheKey(plugin: String) {
        #expect(StagedPlugins.createFailure(plugin, config: ["api_key": "k", "base_url": "ftp://example.com"])
            == "create failed: \(plugin): base_url must be an http:// or https:// URL with a host, got 'ftp://example.com'")
        #expect(StagedPlugins.createFailure(plugin, config: ["api_key": "k", "timeout_s": -1])
            == "create failed: \(plugin): timeout_s must be a positive number, got -1")
    }

    @Test func ollamaRefusesAnUnknownAPI() {
        #expect(StagedPlugins.createFailure("ollama", config: ["api": "grpc"]) == "create failed: ollama: api must be native or openai, got 'grpc'")
    }

    @Test(arguments: ["groq", "gemini", "claude", "ollama"])
    func tableNamesThePlugin(plugin: String) throws {
        let loaded = try StagedPlugins.load(plugin)
        #expect(loaded.name == plugin)
        #expect(loaded.version == "1.0.0")
        #expect(loaded.abiVersion == 1)
    }

    @Test func describeListsModelsWithOverridesAndLimits() throws {
        let instance = try StagedPlugins.instance("groq", config: [
            "api_key": "k", "default_model": "mystery-model", "slots": 4, "requests_per_minute": 30,
            "prices": ["llama-3.1-8b-instant": ["input_usd_per_mtok": 0.5, "output_usd_per_mtok": 0.6]],
        ])
        let description = try instance.describe()
        #expect(description["name"] == "groq")
        #expect(description["version"] == "1.0.0")
        #expect(description["task_types"] == ["agent_action", "code_generation", "evolution_crossover", "evolution_mutation"])
        #expect(description["default_model"] == "mystery-model")
        #expect(description["limits"] == ["requests_per_minute": 30, "max_concurrency": 4])
        #expect(description["models"] == [
            ["id": "llama-3.1-8b-instant", "input_usd_per_mtok": 0.5, "output_usd_per_mtok": 0.6],
            ["id": "llama-3.3-70b-versatile", "input_usd_per_mtok": 0.59, "output_usd_per_mtok": 0.79],
            ["id": "mystery-model", "input_usd_per_mtok": nil, "output_usd_per_mtok": nil], // unknown is not free
        ])
    }

    @Test func describeOfEachPluginPricesItsDefaultModel() throws {
        let expected: [(String, String, Double, Double)] = [
            ("gemini", "gemini-2.5-flash", 0.30, 2.50), ("claude", "claude-sonnet-4-5", 3, 15), ("ollama", "llama3.2", 0, 0),
        ]
        for (plugin, model, input, output) in expected {
            let description = try StagedPlugins.instance(plugin, config: ["api_key": "k", "tokens_per_minute": 1000]).describe()
            #expect(description["default_model"] == .string(model))
            #expect(description["limits"] == ["tokens_per_minute": 1000])
            let entry = description["models"]?.arrayValue?.first { $0["id"] == .string(model) }
            #expect(entry?["input_usd_per_mtok"] == .number(input) && entry?["output_usd_per_mtok"] == .number(output), "\(plugin)")
        }
    }

    @Test func localModelsAreFreeUnlessPriced() throws {
        let description = try StagedPlugins.instance("ollama", config: [
            "default_model": "deepseek-coder:6.7b", "prices": ["big:70b": ["input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2]],
        ]).describe()
        #expect(description["models"] == [
            ["id": "big:70b", "input_usd_per_mtok": 0.1, "output_usd_per_mtok": 0.2],
            ["id": "deepseek-coder:6.7b", "input_usd_per_mtok": 0, "output_usd_per_mtok": 0],
        ])
    }
}
