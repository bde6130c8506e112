import Foundation
import Testing
@testable import D8Core

@Suite("Config: defaults, keys, durations, sizes and variables")
struct ConfigTests {
    @Test func anEmptyFileGivesTheDefaults() throws {
        let loaded = try parseConfig("# nothing but a comment\n")
        #expect(loaded.config == D8Config())
        #expect(loaded.warnings.isEmpty)
        let c = loaded.config
        #expect(c.server.host == "127.0.0.1" && c.server.port == 7001 && c.server.dataDir == "./d8-data")
        #expect(c.server.maxBodyBytes == 1_048_576 && !c.server.allowInsecure && c.server.retention == .seconds(604_800))
        #expect(c.auth.workerToken == nil && c.auth.clientKeys.isEmpty && !c.auth.isEnabled)
        let q = c.queue
        #expect(q.heartbeatInterval == .seconds(30) && q.workerTimeout == .seconds(60) && q.taskTimeout == .seconds(120))
        #expect(q.maxAttempts == 3 && q.aging == .seconds(30) && q.capacity == 65_536)
        #expect(q.retryBackoff == .seconds(1) && q.retryBackoffMax == .seconds(60) && q.maxLongPoll == .seconds(60))
        #expect(c.plugins.dir == "./Plugins")
        #expect(c.workerTypes.isEmpty && c.budgets.isEmpty)
        #expect(c.taskTypes.map(\.name) == D8Config.builtInTaskTypes)
        #expect(c.taskTypes.allSatisfy { $0.route.isEmpty && $0.settings.isEmpty })
        #expect(try parseConfig("").config == D8Config())
        #expect(try parseConfig("server:\nqueue: ~\n").config == D8Config())
    }

    @Test func readsEveryKey() throws {
        let yaml = """
        server: { host: 0.0.0.0, port: 8080, data_dir: /var/d8, max_body: 512KiB, allow_insecure: true, retention: 2d }
        auth:
          worker_token: wt
          client_keys:
            - { name: discovery, key: k1, daily_budget_usd: 5 }
            - { name: batch, key: k2 }
        queue: { heartbeat_interval: 10s, worker_timeout: 45s, task_timeout: 5m, max_attempts: 5, aging: 1m,
                 capacity: 1024, retry_backoff: 500ms, retry_backoff_max: 2m, max_long_poll: 25s }
        plugins: { dir: /opt/d8/plugins }
        worker_types:
          groq: { plugin: groq, api_key: gk, default_model: llama, slots: 4, requests_per_minute: 30 }
          local: { plugin: ollama, base_url: "http://localhost:11434", stream: false, tags: [a, 2], extra: { x: ~ } }
        task_types:
          code_generation: { route: [local, groq], strategy: ordered, max_cost_usd: 0.02, prompt: "Write {language}" }
          summarize: { route: [groq] }
        budgets: { daily_usd: 10 }
        """
        let loaded = try parseConfig(yaml)
        #expect(loaded.warnings == [])
        var expected = D8Config(workerTypes: [
            WorkerTypeConfig(name: "groq", plugin: "groq", slots: 4, settings: [
                "api_key": .string("gk"), "default_model": .string("llama"), "requests_per_minute": .number(30),
            ]),
            WorkerTypeConfig(name: "local", plugin: "ollama", settings: [
                "base_url": .string("http://localhost:11434"), "stream": .bool(false),
                "tags": .list([.string("a"), .number(2)]), "extra": .map(["x": .null]),
            ]),
        ])
        expected.taskTypes = [
            {
                var type = TaskTypeConfig(name: "code_generation", route: ["local", "groq"])
                type.strategy = .ordered
                type.maxCostUSD = 0.02
                type.prompt = "Write {language}"
                return type
            }(),
            TaskTypeConfig(name: "summarize", route: ["groq"]),
            TaskTypeConfig(name: "agent_action", route: ["groq", "local"]),
            TaskTypeConfig(name: "evolution_crossover", route: ["groq", "local"]),
            TaskTypeConfig(name: "evolution_mutation", route: ["groq", "local"]),
        ]
        expected.budgets.dailyUSD = 10
        expected.auth = AuthConfig(workerToken: "wt", clientKeys: [
            ClientKey(name: "discovery", key: "k1", dailyBudgetUSD: 5), ClientKey(name: "batch", key: "k2"),
        ])
        expected.server.host = "0.0.0.0"
        expected.server.port = 8080
        expected.server.dataDir = "/var/d8"
        expected.server.maxBodyBytes = 524_288
        expected.server.allowInsecure = true
        expected.server.retention = .seconds(172_800)
        expected.queue.heartbeatInterval = .seconds(10)
        expected.queue.workerTimeout = .seconds(45)
        expected.queue.taskTimeout = .seconds(300)
        expected.queue.maxAttempts = 5
        expected.queue.aging = .seconds(60)
        expected.queue.capacity = 1024
        expected.queue.retryBackoff = .milliseconds(500)
        expected.queue.retryBackoffMax = .seconds(120)
        expected.queue.maxLongPoll = .seconds(25)
        expected.plugins.dir = "/opt/d8/plugins"
        #expect(loaded.config == expected)
        #expect(loaded.config.taskType(named: "summarize")?.route == ["groq"])
        #expect(loaded.config.taskType(named: "nope") == nil)
        #expect(loaded.config.workerTypeIndex(named: "local") == 1)
        #expect(loaded.config.workerTypeIndex(named: "nope") == nil)
    }

    @Test func builtInTaskTypesAlwaysExistAndDefaultToEveryWorkerType() throws {
        let c = try parseConfig("""
        worker_types: { b: {}, a: , c: { slots: 2 } }
        task_types:
          mine-1: { route: [c] }
          agent_action: { strategy: cheapest }
        """).config
        #expect(c.workerTypes.map(\.name) == ["b", "a", "c"])
        #expect(c.workerTypes.map(\.plugin) == ["b", "a", "c"])
        #expect(c.workerTypes.map(\.slots) == [1, 1, 2])
        #expect(c.taskTypes.map(\.name) == ["mine-1"] + D8Config.builtInTaskTypes)
        #expect(c.taskTypes[0].route == ["c"])
        #expect(c.taskTypes[1] == TaskTypeConfig(name: "agent_action", route: ["b", "a", "c"]))
        #expect(c.taskTypes.dropFirst(2).allSatisfy { $0.route == ["b", "a", "c"] })
        #expect(D8Config(workerTypes: c.workerTypes).taskTypes.map(\.route) == Array(repeating: ["b", "a", "c"], count: 4))
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("7d", .seconds(604_800)), ("1.5s", .milliseconds(1500)), ("0.1s", .milliseconds(100)), ("\"90s\"", .seconds(90)),
        ("1.25ms", .microseconds(1250)),
    ])
    func durations(text: String, expected: Duration) throws {
        #expect(try parseConfig("queue: { aging: \(text) }").config.queue.aging == expected)
    }

    @Test(arguments: [
        ("abc", #"expected a duration such as 500ms, 30s, 2m, 1h or 7d, got "abc""#),
        ("30", "expected a duration such as 500ms, 30s, 2m, 1h or 7d, got the bare number 30: add a unit, e.g. 30s"),
        ("5x", #"expected a duration such as 500ms, 30s, 2m, 1h or 7d, got "5x""#),
        ("-1s", #"expected a duration such as 500ms, 30s, 2m, 1h or 7d, got "-1s""#),
        ("0s", "must be longer than 0, got 0s"),
        ("99999999999d", #"expected a duration such as 500ms, 30s, 2m, 1h or 7d, got "99999999999d""#),
        ("[1s]", "expected a duration, got a list"),
    ])
    func badDurations(text: String, message: String) {
        #expect(configError("queue:\n  worker_timeout: \(text)\n") == "config.yaml:2: queue.worker_timeout: \(message)")
    }

    @Test func sizes() throws {
        #expect(try parseConfig("server: { max_body: 1MiB }").config.server.maxBodyBytes == 1_048_576)
        #expect(try parseConfig("server: { max_body: 512KiB }").config.server.maxBodyBytes == 524_288)
        #expect(try parseConfig("server: { max_body: 2048 }").config.server.maxBodyBytes == 2048)
        #expect(configError("server: { max_body: 1MB }")
            == #"config.yaml:1: server.max_body: expected a size in bytes such as 1048576, 512KiB or 1MiB, got "1MB""#)
        #expect(configError("server: { max_body: 0 }") == "config.yaml:1: server.max_body: must be more than 0 bytes, got 0")
    }

    @Test func substitutesEnvironmentVariables() throws {
        let yaml = """
        server: { host: "${HOST}", port: "${PORT}", data_dir: "${DATA:-/tmp/d8}" }
        plugins: { dir: "$${NOT_A_VAR}/${EMPTY:-plugins} costs $5" }
        worker_types:
          w:
            slots: ${SLOTS:-3}
            rpm: ${RPM}
            quoted: "${RPM}"
        """
        let c = try parseConfig(yaml, env: ["HOST": "10.0.0.1", "PORT": "9000", "RPM": "60", "EMPTY": ""]).config
        #expect(c.server.host == "10.0.0.1" && c.server.port == 9000 && c.server.dataDir == "/tmp/d8")
        #expect(c.plugins.dir == "${NOT_A_VAR}/plugins costs $5")
        #expect(c.workerTypes[0].slots == 3)
        // Plain scalars are typed after substitution, quoted ones stay strings.
        #expect(c.workerTypes[0].settings == ["rpm": .number(60), "quoted": .string("60")])
    }

    @Test func anUnsetVariableLeavesTheKeyOutWithAWarning() throws {
        let loaded = try parseConfig("""
        server:
          port: ${D8_PORT}
        worker_types:
          groq: { api_key: "${GROQ_API_KEY}", default_model: m, list: [a, "${X}", b] }
        """)
        #expect(loaded.config.server.port == 7001)
        let settings: [String: ConfigValue] = ["default_model": .string("m"), "list": .list([.string("a"), .string("b")])]
        #expect(loaded.config.workerTypes[0].settings == settings)
        #expect(loaded.warnings == [
            "config.yaml:2: server.port: ${D8_PORT} is not set, so this key is left out",
            "config.yaml:4: worker_types.groq.api_key: ${GROQ_API_KEY} is not set, so this key is left out",
            "config.yaml:4: worker_types.groq.list[1]: ${X} is not set, so this key is left out",
        ])
    }

    @Test func anUnsetRequiredVariableIsAnError() {
        let yaml = """
        auth:
          client_keys:
            - name: discovery
              key: ${D8_CLIENT_KEY}
        """
        #expect(configError(yaml) == "config.yaml:4: auth.client_keys[0].key: is required but ${D8_CLIENT_KEY} is not set")
        #expect(configError(yaml, env: ["D8_CLIENT_KEY": "k"]) == nil)
    }

    @Test func malformedVariables() {
        #expect(configError("server: { host: \"${HOST\" }")
            == "config.yaml:1: server.host: unterminated ${ (write $${ for a literal ${)")
        #expect(configError("server: { host: \"${1X}\" }")
            == "config.yaml:1: server.host: ${1X} does not name an environment variable")
    }

    @Test func settingsEncodeAsPlainJSON() throws {
        let settings: [String: ConfigValue] = [
            "n": .number(30), "f": .number(0.5), "s": .string("x"), "b": .bool(true),
            "l": .list([.null]), "m": .map(["k": .string("v")]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(settings), as: UTF8.self)
        #expect(json == #"{"b":true,"f":0.5,"l":[null],"m":{"k":"v"},"n":30,"s":"x"}"#)
        #expect(try JSONDecoder().decode([String: ConfigValue].self, from: Data(json.utf8)) == settings)
        #expect(ConfigValue.number(2).doubleValue == 2 && ConfigValue.string("a").stringValue == "a")
        #expect(ConfigValue.bool(true).boolValue == true && ConfigValue.null.stringValue == nil)
    }
}
