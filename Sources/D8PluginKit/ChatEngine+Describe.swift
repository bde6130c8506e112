import D8JSON

extension ChatEngine {
    /// The four task types every chat provider serves.
    public static let builtInTaskTypes: [String] = ["agent_action", "code_generation", "evolution_crossover", "evolution_mutation"]

    /// {"name","version","task_types","models":[{"id","input_usd_per_mtok","output_usd_per_mtok"}],
    /// "default_model","limits":{...}}: the price table with overrides applied, plus the default
    /// model; an unknown price is null. Absent limits are left out.
    public func describe() -> JSONValue {
        let ids = Set(prices.prices.keys).union([defaultModel]).sorted()
        let models = ids.map { id -> JSONValue in
            let price = prices.price(for: id)
            return ["id": .string(id), "input_usd_per_mtok": JSONValue(price?.input), "output_usd_per_mtok": JSONValue(price?.output)]
        }
        var limits: [String: JSONValue] = [:]
        if let rpm = settings.requestsPerMinute { limits["requests_per_minute"] = JSONValue(rpm) }
        if let tpm = settings.tokensPerMinute { limits["tokens_per_minute"] = JSONValue(tpm) }
        if let slots = settings.slots { limits["max_concurrency"] = JSONValue(slots) }
        return [
            "name": .string(name), "version": .string(version),
            "task_types": .array(Self.builtInTaskTypes.map(JSONValue.string)),
            "models": .array(models), "default_model": .string(defaultModel), "limits": .object(limits),
        ]
    }
}
