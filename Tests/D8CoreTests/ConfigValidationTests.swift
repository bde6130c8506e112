import Testing
@testable import D8Core

@Suite("Config: errors and warnings, each with file, line and key")
struct ConfigValidationTests {
    @Test func unknownKeysAreWarningsWithTheirLine() throws {
        let loaded = try parseConfig("""
        server:
          port: 7002
        queue:
          agin: 10s
        servr: {}
        auth: { client_keys: [{ name: a, key: k, budget: 1 }] }
        """)
        #expect(loaded.config.server.port == 7002)
        #expect(loaded.warnings == [
            "config.yaml:4: queue.agin: unknown key (known: aging, capacity, heartbeat_interval, max_attempts, max_long_poll, "
                + "retry_backoff, retry_backoff_max, task_timeout, worker_timeout)",
            "config.yaml:5: servr: unknown key (known: auth, budgets, models, openai, plugins, queue, server, task_types, worker_types)",
            "config.yaml:6: auth.client_keys[0].budget: unknown key (known: daily_budget_usd, key, name)",
        ])
    }

    @Test(arguments: [
        ("server:\n  port: 70000", "config.yaml:2: server.port: must be from 0 to 65535, got 70000"),
        ("server:\n  port: -1", "config.yaml:2: server.port: must be from 0 to 65535, got -1"),
        ("server: { port: seven }", #"config.yaml:1: server.port: expected an integer, got "seven""#),
        ("server: { allow_insecure: maybe }", #"config.yaml:1: server.allow_insecure: expected true or false, got "maybe""#),
        ("server: { host: \"\" }", "config.yaml:1: server.host: must not be empty"),
        ("queue:\n\n  max_attempts: 0", "config.yaml:3: queue.max_attempts: must be at least 1, got 0"),
        ("queue: { capacity: 0 }", "config.yaml:1: queue.capacity: must be from 1 to 2147483648, got 0"),
        ("worker_types:\n  w:\n    slots: 0", "config.yaml:3: worker_types.w.slots: must be at least 1, got 0"),
        ("queue:\n  - aging: 1s", "config.yaml:2: queue: expected a mapping, got a list"),
        ("- server", "config.yaml:1: expected a mapping, got a list"),
        ("worker_types: { w: 3 }", "config.yaml:1: worker_types.w: expected a mapping, got a single value"),
        ("auth: { client_keys: { a: b } }", "config.yaml:1: auth.client_keys: expected a list, got a mapping"),
        ("plugins: { dir: { a: b } }", "config.yaml:1: plugins.dir: expected a string, got a mapping"),
        ("worker_types: { groq: {}, deepseek: {} }\ntask_types:\n  agent_action:\n    route: [deepseek, gpt]",
         "config.yaml:4: task_types.agent_action.route[1]: route names unknown worker type 'gpt' (declared: groq, deepseek)"),
        ("task_types: { t: { route: [gpt] } }",
         "config.yaml:1: task_types.t.route[0]: route names unknown worker type 'gpt' (declared: none)"),
        ("worker_types: { a: {} }\ntask_types: { t: { route: [a, a] } }",
         "config.yaml:2: task_types.t.route[1]: route names worker type 'a' twice"),
        ("task_types:\n  \"bad name\": { route: [] }",
         "config.yaml:2: task_types.bad name: 'bad name' is not a valid task type name: use letters, digits, '_' and '-'"),
        ("worker_types: { \"gr/oq\": {} }",
         "config.yaml:1: worker_types.gr/oq: 'gr/oq' is not a valid worker type name: use letters, digits, '_' and '-'"),
        ("auth:\n  client_keys:\n    - { name: a, key: k1 }\n    - { name: a, key: k2 }",
         "config.yaml:4: auth.client_keys[1].name: duplicate key name 'a' (also at line 3)"),
        ("auth:\n  client_keys:\n    - { name: a, key: k1 }\n    - { name: b, key: k1 }",
         "config.yaml:4: auth.client_keys[1].key: the same key as 'a' (line 3); each client needs its own"),
        ("auth:\n  client_keys:\n    - { name: a, key: k1 }\n  admin_keys:\n    - { name: a, key: k2 }",
         "config.yaml:5: auth.admin_keys[0].name: duplicate key name 'a' (also at line 3)"),
        ("auth:\n  worker_token: t\n  client_keys:\n    - { name: a, key: t }",
         "config.yaml:4: auth.client_keys[0].key: must differ from auth.worker_token"),
        ("auth:\n  client_keys:\n    - name: a\n      daily_budget_usd: 5", "config.yaml:3: auth.client_keys[0].key: is required"),
        ("auth:\n  client_keys:\n    - key: k", "config.yaml:3: auth.client_keys[0].name: is required"),
        ("auth:\n  client_keys:\n    - { name: a, key: }", "config.yaml:3: auth.client_keys[0].key: is required but empty"),
        ("auth: { client_keys: [{ name: a, key: k, daily_budget_usd: -1 }] }",
         "config.yaml:1: auth.client_keys[0].daily_budget_usd: must be at least 0, got -1"),
        ("server:\n  port: 1\n  port: 2", "config.yaml:2: invalid YAML: 'port' written twice in a mapping"),
        ("server:\n  port: [1\n", "config.yaml:3: invalid YAML: while parsing a flow sequence, did not find expected ',' or ']'"),
        ("server: { port: ${PORT} }", "config.yaml:1: invalid YAML: while parsing a flow mapping, did not find expected ',' or '}' "
            + #"(inside { } or [ ], quote a value holding a variable: "${VAR}")"#),
    ])
    func refusesWithAPreciseMessage(yaml: String, message: String) {
        #expect(configError(yaml) == message)
    }

    @Test func secretsNeverAppearInMessages() throws {
        let secret = "sk-SECRET-1234"
        let env = ["TOKEN": secret]
        let cases = [
            "auth:\n  worker_token: \(secret)\n  client_keys:\n    - { name: a, key: \(secret) }",
            "auth:\n  client_keys:\n    - { name: a, key: \(secret) }\n    - { name: b, key: \(secret) }",
            "auth:\n  client_keys:\n    - { name: a, key: ${TOKEN} }\n    - { name: b, key: ${TOKEN} }",
            "worker_types:\n  groq:\n    api_key: \(secret): oops",
            "worker_types:\n  groq: { api_key: \"\(secret)\" }\n  groq: {}",
            "auth: { worker_token: \"\(secret)${\" }",
        ]
        for yaml in cases {
            let message = try #require(configError(yaml, env: env), "\(yaml)")
            #expect(!message.contains(secret), "\(message)")
            #expect(!message.contains("SECRET"), "\(message)")
        }
        let warned = try parseConfig("auth: { wroker_token: \(secret) }\nworker_types: { g: { api_key: \"${K}\" } }", env: env)
        #expect(warned.warnings.count == 2)
        #expect(warned.warnings.allSatisfy { !$0.contains(secret) })
    }

    @Test func aFileThatCannotBeReadSaysWhy() {
        #expect(throws: ConfigError(file: "/nonexistent/d8.yaml", line: nil, key: "",
                                    message: "cannot read config file /nonexistent/d8.yaml: No such file or directory")) {
            try D8Config.load(path: "/nonexistent/d8.yaml", environment: [:])
        }
        let message = "cannot read config file /x/y.yaml: No such file or directory"
        #expect(ConfigError(file: "/x/y.yaml", line: nil, key: "", message: message).description == message)
        let located = ConfigError(file: "c.yaml", line: 12, key: "queue.aging", message: "m")
        #expect(located.description == "c.yaml:12: queue.aging: m")
    }
}

/// Routing and budget settings: typed, checked, with the line of the mistake.
@Suite struct RoutingConfigTests {
    @Test func taskTypeRoutingSettingsAreTyped() throws {
        let c = try parseConfig("""
            worker_types: { cheap: {}, dear: {} }
            task_types:
              summarize: { route: [dear, cheap], strategy: fastest, max_cost_usd: 0.5, spill_after: 3s, max_tokens: 200, system: "Be brief.", prompt: "Summarize: {text}" }
            budgets: { daily_usd: 10, worker_types: { dear: 2 }, utc_offset: "+02:00" }
            """).config
        let t = try #require(c.taskType(named: "summarize"))
        #expect(t.route == ["dear", "cheap"])
        #expect(t.strategy == .fastest)
        #expect(t.maxCostUSD == 0.5)
        #expect(t.spillAfter == .seconds(3))
        #expect(t.maxTokens == 200)
        #expect(t.system == "Be brief.")
        #expect(t.prompt == "Summarize: {text}")
        #expect(c.taskType(named: "agent_action")?.strategy == .cheapest)
        #expect(c.budgets.dailyUSD == 10)
        #expect(c.budgets.workerTypesDailyUSD == ["dear": 2])
        #expect(c.budgets.utcOffsetMinutes == 120)
    }

    @Test(arguments: [
        ("task_types: { agent_action: { strategy: random } }", 2, "expected cheapest, ordered or fastest, got 'random'"),
        ("task_types: { agent_action: { max_cost_usd: -1 } }", 2, "must be at least 0"),
        ("task_types: { agent_action: { spill_after: 5 } }", 2, "add a unit"),
        ("task_types: { agent_action: { route: [nope] } }", 2, "route names unknown worker type 'nope'"),
        ("budgets: { worker_types: { nope: 1 } }", 2, "names unknown worker type 'nope'"),
        ("budgets: { utc_offset: 2 }", 2, "expected an offset such as +00:00"),
        ("budgets: { daily_usd: lots }", 2, "expected a number"),
    ])
    func mistakesNameTheLine(yaml: String, line: Int, says: String) {
        let message = configError("worker_types: { w: {} }\n" + yaml)
        #expect(message?.contains("config.yaml:\(line)") == true, "\(message ?? "parsed")")
        #expect(message?.contains(says) == true, "\(message ?? "parsed")")
    }
}
