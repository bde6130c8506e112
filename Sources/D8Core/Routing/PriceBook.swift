/// What each worker type's models cost, as far as the orchestrator knows. A plugin's own
/// description wins (the worker types' plugins described at start when they are in
/// `plugins.dir`, then every registering worker's capabilities); without one, the config's
/// `prices` table. A task that names no model runs on its worker type's `default_model`.
/// No entry: the price is unknown.
public struct PriceBook: Sendable {
    /// Worker type → model → price.
    private var prices: [String: [String: Price]] = [:]
    private var defaultModels: [String: String] = [:]

    public init(config: D8Config) {
        for type in config.workerTypes {
            if case let .string(model)? = type.settings["default_model"] { defaultModels[type.name] = model }
            guard case let .map(table)? = type.settings["prices"] else { continue }
            for (model, value) in table {
                guard case let .map(entry) = value, let input = entry["input_usd_per_mtok"]?.doubleValue,
                      let output = entry["output_usd_per_mtok"]?.doubleValue else { continue }
                prices[type.name, default: [:]][model] = Price(inputPerMTok: input, outputPerMTok: output)
            }
        }
    }

    /// The price of `model` on `workerType`, or of its default model when the task names none.
    public func price(_ workerType: String, model: String? = nil) -> Price? {
        guard let model = model ?? defaultModels[workerType] else { return nil }
        return prices[workerType]?[model]
    }

    /// Learns from a plugin's description (`describe`, or a registration's capabilities): its
    /// `default_model` and the price of each of its `models`. A null price stays unknown.
    public mutating func learn(_ workerType: String, description: JSONValue) {
        if let model = description["default_model"]?.stringValue { defaultModels[workerType] = model }
        for entry in description["models"]?.arrayValue ?? [] {
            guard let id = entry["id"]?.stringValue else { continue }
            if let input = entry["input_usd_per_mtok"]?.doubleValue, let output = entry["output_usd_per_mtok"]?.doubleValue {
                prices[workerType, default: [:]][id] = Price(inputPerMTok: input, outputPerMTok: output)
            } else {
                prices[workerType]?[id] = nil
            }
        }
    }

    /// For stats and check-config: each worker type's default model's price, or nil when unknown.
    public var known: [String: Price] {
        var known: [String: Price] = [:]
        for type in Set(prices.keys).union(defaultModels.keys) { known[type] = price(type) }
        return known
    }
}
