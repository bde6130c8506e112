/// The sections of `config.yaml`, each read into its config type with its defaults.
extension ConfigReader {
    static let topLevelKeys = ["auth", "budgets", "plugins", "queue", "server", "task_types", "worker_types"]

    mutating func config(_ root: ConfigField) throws(ConfigError) -> D8Config {
        let top = try fields(root, known: Self.topLevelKeys)
        let workerTypes = try workerTypes(top["worker_types"])
        var budgets: [String: ConfigValue] = [:]
        for entry in try fields(top["budgets"], known: nil) { budgets[entry.name] = try value(entry) }
        return D8Config(
            server: try server(top["server"]), auth: try auth(top["auth"]), queue: try queue(top["queue"]),
            plugins: try plugins(top["plugins"]), workerTypes: workerTypes,
            taskTypes: try taskTypes(top["task_types"], declared: workerTypes.map(\.name)), budgets: budgets
        )
    }

    mutating func server(_ field: ConfigField?) throws(ConfigError) -> ServerConfig {
        let f = try fields(field, known: ["allow_insecure", "data_dir", "host", "max_body", "port", "retention"])
        var server = ServerConfig()
        if let v = try string(f["host"]) { server.host = v }
        if let v = try int(f["port"], in: 0...65_535) { server.port = v }
        if let v = try string(f["data_dir"]) { server.dataDir = v }
        if let v = try size(f["max_body"]) { server.maxBodyBytes = v }
        if let v = try bool(f["allow_insecure"]) { server.allowInsecure = v }
        if let v = try duration(f["retention"]) { server.retention = v }
        return server
    }

    mutating func auth(_ field: ConfigField?) throws(ConfigError) -> AuthConfig {
        let f = try fields(field, known: ["client_keys", "worker_token"])
        var auth = AuthConfig(workerToken: try string(f["worker_token"]))
        var lines: [Int?] = []
        for item in try items(f["client_keys"]) ?? [] {
            let e = try fields(item, known: ["daily_budget_usd", "key", "name"])
            let name = try requiredString("name", of: e, in: item)
            let key = try requiredString("key", of: e, in: item)
            // Messages name the other entry by its name and line only: keys are secret.
            if let i = auth.clientKeys.firstIndex(where: { $0.name == name }) {
                throw error(e["name"] ?? item, "duplicate client key name '\(name)' (also at line \(lines[i] ?? 0))")
            }
            if let i = auth.clientKeys.firstIndex(where: { $0.key == key }) {
                throw error(e["key"] ?? item, "the same key as client '\(auth.clientKeys[i].name)' (line \(lines[i] ?? 0)); each client needs its own")
            }
            if key == auth.workerToken { throw error(e["key"] ?? item, "must differ from auth.worker_token") }
            auth.clientKeys.append(ClientKey(name: name, key: key, dailyBudgetUSD: try number(e["daily_budget_usd"], atLeast: 0)))
            lines.append(item.line)
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
        if q.workerTimeout <= q.heartbeatInterval {
            warn(f["worker_timeout"]?.path ?? "queue.heartbeat_interval", line: (f["worker_timeout"] ?? f["heartbeat_interval"])?.line,
                 "worker_timeout is not longer than heartbeat_interval, so idle live workers will be declared dead")
        }
        return q
    }

    mutating func plugins(_ field: ConfigField?) throws(ConfigError) -> PluginsConfig {
        let f = try fields(field, known: ["dir"])
        return PluginsConfig(dir: try string(f["dir"]) ?? PluginsConfig().dir)
    }

    /// Keys other than `plugin` and `slots` are the plugin's settings.
    mutating func workerTypes(_ field: ConfigField?) throws(ConfigError) -> [WorkerTypeConfig] {
        var out: [WorkerTypeConfig] = []
        for entry in try fields(field, known: nil) {
            try checkName(entry, kind: "worker type")
            var type = WorkerTypeConfig(name: entry.name)
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
            try checkName(entry, kind: "task type")
            var type = TaskTypeConfig(name: entry.name, route: declared)
            for setting in try fields(entry, known: nil) {
                if setting.name == "route" {
                    if let route = try route(setting, declared: declared) { type.route = route }
                } else {
                    type.settings[setting.name] = try value(setting)
                }
            }
            out.append(type)
        }
        for name in D8Config.builtInTaskTypes where !out.contains(where: { $0.name == name }) {
            out.append(TaskTypeConfig(name: name, route: declared))
        }
        return out
    }

    private mutating func route(_ field: ConfigField, declared: [String]) throws(ConfigError) -> [String]? {
        guard let items = try items(field) else { return nil }
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

    private mutating func requiredString(_ name: String, of fields: [ConfigField], in parent: ConfigField) throws(ConfigError) -> String {
        guard let field = fields[name], let value = try string(field, required: true) else {
            throw ConfigError(file: file, line: parent.line, key: "\(parent.path).\(name)", message: "is required")
        }
        return value
    }

    /// Names end up in routes, URLs and stats, so they stay plain.
    private func checkName(_ entry: ConfigField, kind: String) throws(ConfigError) {
        let valid = !entry.name.isEmpty && entry.name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
        guard valid else {
            throw ConfigError(file: file, line: entry.keyLine, key: entry.path,
                              message: "'\(entry.name)' is not a valid \(kind) name: use letters, digits, '_' and '-'")
        }
    }
}
