/// `openai:` and `models:`, the front door's sections.
extension ConfigReader {
    mutating func frontDoor(openAI: ConfigField?, models: ConfigField?, declared: [String]) throws(ConfigError) -> FrontDoorConfig {
        var door = FrontDoorConfig()
        let f = try fields(openAI, known: ["keepalive", "timeout"])
        if let v = try duration(f["timeout"]) { door.timeout = v }
        if let v = try duration(f["keepalive"]) { door.keepalive = v }
        for entry in try fields(models, known: nil) {
            // An alias is a `model` value callers send: plain names, and none that reads as a
            // worker type's model ("groq/x").
            let plain = entry.name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
            guard plain, !entry.name.isEmpty else {
                throw ConfigError(file: file, line: entry.keyLine, key: entry.path, message: "'\(entry.name)' is not a valid model alias: use letters, digits, '_', '-' and '.'")
            }
            var alias = ModelAlias(name: entry.name, route: declared)
            let settings = try fields(entry, known: ["max_cost_usd", "route", "strategy"])
            if let field = settings["route"], let route = try route(field, declared: declared) {
                guard !route.isEmpty else { throw error(field, "an alias needs at least one worker type") }
                alias.route = route
            }
            if let field = settings["strategy"], let text = try string(field) {
                guard let strategy = RoutingStrategy(rawValue: text) else { throw error(field, "expected cheapest, ordered or fastest, got '\(text)'") }
                alias.strategy = strategy
            }
            alias.maxCostUSD = try nonNegative(settings["max_cost_usd"])
            door.aliases.append(alias)
        }
        return door
    }
}
