/// The sections of `config.yaml`, each read into its config type over its defaults.
extension ConfigReader {
    mutating func config(_ root: ConfigField) throws(ConfigError) -> D8Config {
        let sections = ["auth", "budgets", "models", "openai", "plugins", "queue", "server", "task_types", "worker_types"]
        let top = try fields(root, known: sections)
        var config = D8Config(workerTypes: try workerTypes(top["worker_types"]))
        config.server = try server(top["server"])
        config.auth = try auth(top["auth"])
        config.queue = try queue(top["queue"])
        if let v = try string(try fields(top["plugins"], known: ["dir"])["dir"]) { config.plugins.dir = v }
        config.taskTypes = try taskTypes(top["task_types"], declared: config.workerTypes.map(\.name))
        config.budgets = try budgets(top["budgets"], declared: config.workerTypes.map(\.name))
        config.frontDoor = try frontDoor(openAI: top["openai"], models: top["models"], declared: config.workerTypes.map(\.name))
        return config
    }

    mutating func server(_ field: ConfigField?) throws(ConfigError) -> ServerConfig {
        let f = try fields(field, known: ["allow_insecure", "data_dir", "durability", "host", "max_body", "metrics", "port", "postgres", "retention", "store"])
        var s = ServerConfig()
        if let v = try string(f["host"]) { s.host = v }
        if let v = try int(f["port"], in: 0...65_535) { s.port = v }
        if let v = try string(f["data_dir"]) { s.dataDir = v }
        if let v = try size(f["max_body"]) { s.maxBodyBytes = v }
        if let v = try bool(f["allow_insecure"]) { s.allowInsecure = v }
        if let v = try bool(f["metrics"]) { s.metrics = v }
        if let v = try duration(f["retention"]) { s.retention = v }
        if let field = f["durability"], let v = try string(field) {
            guard let durability = Durability(rawValue: v) else {
                throw error(field, "expected disk or process, got '\(v)'")
            }
            s.durability = durability
        }
        if let field = f["store"], let v = try string(field) {
            guard let store = StoreKind(rawValue: v) else { throw error(field, "expected sqlite or postgres, got '\(v)'") }
            s.store = store
        }
        s.postgres = try postgres(f["postgres"])
        if s.store == .postgres, s.postgres.url.isEmpty {
            throw error(f["store"]!, "store: postgres needs server.postgres.url (postgres://user@host:port/database)")
        }
        return s
    }

    mutating func postgres(_ field: ConfigField?) throws(ConfigError) -> PostgresConfig {
        let f = try fields(field, known: ["node_timeout", "pool", "timeout", "url"])
        var p = PostgresConfig()
        if let field = f["url"], let v = try string(field) {
            guard v.isEmpty || v.hasPrefix("postgres://") || v.hasPrefix("postgresql://") else {
                throw error(field, "expected a URL postgres://user[:password]@host[:port]/database, got '\(v)'")
            }
            p.url = v
        }
        if let v = try int(f["pool"], in: 1...1000) { p.pool = v }
        if let v = try duration(f["timeout"]) { p.timeout = v }
        if let v = try duration(f["node_timeout"]) { p.nodeTimeout = v }
        return p
    }

    mutating func auth(_ field: ConfigField?) throws(ConfigError) -> AuthConfig {
        let f = try fields(field, known: ["admin_keys", "client_keys", "worker_token"])
        var auth = AuthConfig(workerToken: try string(f["worker_token"]))
        var lines: [Int] = []
        for (list, isAdmin) in [("client_keys", false), ("admin_keys", true)] {
            for item in try items(f[list]) ?? [] {
                let e = try fields(item, known: ["daily_budget_usd", "key", "name"])
                let (name, key) = (try required("name", of: e, in: item), try required("key", of: e, in: item))
                // Name the other entry by its name and line: keys are secret.
                if let i = auth.clientKeys.firstIndex(where: { $0.name == name }) {
                    throw error(e["name"]!, "duplicate key name '\(name)' (also at line \(lines[i]))")
                }
                if let i = auth.clientKeys.firstIndex(where: { $0.key == key }) {
                    let other = "'\(auth.clientKeys[i].name)' (line \(lines[i]))"
                    throw error(e["key"]!, "the same key as \(other); each client needs its own")
                }
                if key == auth.workerToken { throw error(e["key"]!, "must differ from auth.worker_token") }
                let budget = try nonNegative(e["daily_budget_usd"])
                auth.clientKeys.append(ClientKey(name: name, key: key, dailyBudgetUSD: budget, isAdmin: isAdmin))
                lines.append(item.line ?? 0)
            }
        }
        return auth
    }

    mutating func queue(_ field: ConfigField?) throws(ConfigError) -> QueueConfig {
        let f = try fields(field, known: [
            "aging", "capacity", "heartbeat_interval", "max_attempts", "max_long_poll", "retry_backoff",
            "retry_backoff_max", "task_timeout", "worker_timeout",
        ])
        var q = QueueConfig()
        if let v = try duration(f["heartbeat_interval"]) { q.heartbeatInterval = v }
        if let v = try duration(f["worker_timeout"]) { q.workerTimeout = v }
        if let v = try duration(f["task_timeout"]) { q.taskTimeout = v }
        if let v = try int(f["max_attempts"], in: 1...Int.max) { q.maxAttempts = v }
        if let v = try duration(f["aging"]) { q.aging = v }
        if let v = try int(f["capacity"], in: 1...(1 << 31)) { q.capacity = v }  // TaskQueue's limit
        if let v = try duration(f["retry_backoff"]) { q.retryBackoff = v }
        if let v = try duration(f["retry_backoff_max"]) { q.retryBackoffMax = v }
        if let v = try duration(f["max_long_poll"]) { q.maxLongPoll = v }
        return q
    }

    /// Keys other than `plugin` and `slots` are the plugin's settings.
    mutating func workerTypes(_ field: ConfigField?) throws(ConfigError) -> [WorkerTypeConfig] {
        var out: [WorkerTypeConfig] = []
        for entry in try fields(field, known: nil) {
            var type = WorkerTypeConfig(name: try checkedName(entry, kind: "worker type name"))
            for setting in try fields(entry, known: nil) {
                switch setting.name {
                case "plugin": if let v = try string(setting) { type.plugin = v }
                case "slots": if let v = try int(setting, in: 1...Int.max) { type.slots = v }
                default: type.settings[setting.name] = try value(setting)
                }
            }
            out.append(type)
        }
        return out
    }

    /// Written types in file order, then the built-in ones left out. A missing route is every worker type.
    mutating func taskTypes(_ field: ConfigField?, declared: [String]) throws(ConfigError) -> [TaskTypeConfig] {
        var out: [TaskTypeConfig] = []
        for entry in try fields(field, known: nil) {
            var type = TaskTypeConfig(name: try checkedName(entry, kind: "task type name"), route: declared)
            for setting in try fields(entry, known: nil) {
                switch setting.name {
                case "route": if let route = try route(setting, declared: declared) { type.route = route }
                case "strategy": if let strategy = try strategy(setting) { type.strategy = strategy }
                case "max_cost_usd": type.maxCostUSD = try nonNegative(setting)
                case "spill_after": if let v = try duration(setting) { type.spillAfter = v }
                case "max_tokens": type.maxTokens = try int(setting, in: 1...Int.max)
                case "system": type.system = try string(setting)
                case "prompt": type.prompt = try string(setting)
                case "cache":
                    for option in try fields(setting, known: ["ttl"]) where option.name == "ttl" {
                        type.cacheTTL = try duration(option)
                    }
                default: type.settings[setting.name] = try value(setting)
                }
            }
            out.append(type)
        }
        for name in D8Config.builtInTaskTypes where !out.contains(where: { $0.name == name }) {
            out.append(TaskTypeConfig(name: name, route: declared))
        }
        return out
    }

    mutating func route(_ setting: ConfigField, declared: [String]) throws(ConfigError) -> [String]? {
        guard let items = try items(setting) else { return nil }
        var route: [String] = []
        for item in items {
            guard let name = try string(item) else { continue }
            guard declared.contains(name) else {
                let list = declared.isEmpty ? "none" : declared.joined(separator: ", ")
                throw error(item, "route names unknown worker type '\(name)' (declared: \(list))")
            }
            guard !route.contains(name) else { throw error(item, "route names worker type '\(name)' twice") }
            route.append(name)
        }
        return route
    }

    mutating func budgets(_ field: ConfigField?, declared: [String]) throws(ConfigError) -> BudgetsConfig {
        let f = try fields(field, known: ["daily_usd", "utc_offset", "worker_types"])
        var budgets = BudgetsConfig()
        budgets.dailyUSD = try nonNegative(f["daily_usd"])
        for entry in try fields(f["worker_types"], known: nil) {
            guard declared.contains(entry.name) else {
                throw error(entry, "names unknown worker type '\(entry.name)' (declared: \(declared.joined(separator: ", ")))")
            }
            if let limit = try nonNegative(entry) { budgets.workerTypesDailyUSD[entry.name] = limit }
        }
        if let field = f["utc_offset"], let text = try string(field) {
            guard let minutes = ConfigUnits.utcOffsetMinutes(text) else {
                throw error(field, "expected an offset such as +00:00, +02:00 or -05:30, got '\(text)'")
            }
            budgets.utcOffsetMinutes = minutes
        }
        return budgets
    }

    private mutating func required(
        _ name: String, of fields: [ConfigField], in parent: ConfigField
    ) throws(ConfigError) -> String {
        guard let field = fields[name], let value = try string(field, required: true) else {
            throw ConfigError(file: file, line: parent.line, key: "\(parent.path).\(name)", message: "is required")
        }
        return value
    }

    /// Names end up in routes, URLs and stats, so they stay plain: letters, digits and `punctuation`.
    func checkedName(_ entry: ConfigField, kind: String, punctuation: String = "_-") throws(ConfigError) -> String {
        let plain = entry.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || punctuation.contains($0)) }
        guard plain, !entry.name.isEmpty else {
            let marks = punctuation.map { "'\($0)'" }
            let allowed = marks.dropLast().joined(separator: ", ") + " and " + marks.last!
            throw ConfigError(file: file, line: entry.keyLine, key: entry.path,
                              message: "'\(entry.name)' is not a valid \(kind): use letters, digits, \(allowed)")
        }
        return entry.name
    }

    /// `strategy:` of a task type or a model alias.
    mutating func strategy(_ field: ConfigField) throws(ConfigError) -> RoutingStrategy? {
        guard let text = try string(field) else { return nil }
        guard let strategy = RoutingStrategy(rawValue: text) else {
            throw error(field, "expected cheapest, ordered or fastest, got '\(text)'")
        }
        return strategy
    }
}
