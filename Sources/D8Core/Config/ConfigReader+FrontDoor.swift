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
            var alias = ModelAlias(name: try checkedName(entry, kind: "model alias", punctuation: "_-."), route: declared)
            let settings = try fields(entry, known: ["max_cost_usd", "route", "strategy"])
            if let field = settings["route"], let route = try route(field, declared: declared) {
                guard !route.isEmpty else { throw error(field, "an alias needs at least one worker type") }
                alias.route = route
            }
            if let field = settings["strategy"], let strategy = try strategy(field) { alias.strategy = strategy }
            alias.maxCostUSD = try nonNegative(settings["max_cost_usd"])
            door.aliases.append(alias)
        }
        return door
    }
}
