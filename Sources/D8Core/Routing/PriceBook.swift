/// What each worker type's model costs, as far as the orchestrator knows. A plugin's own
/// description wins (the worker types' plugins described at start when they are in
/// `plugins.dir`, then every registering worker's capabilities); without one, the config's
/// `prices` entry for the type's `default_model`. No entry: the price is unknown.
public struct PriceBook: Sendable {
    private var prices: [String: Price] = [:]

    public init(config: D8Config) {
        for type in config.workerTypes {
            guard case let .string(model)? = type.settings["default_model"],
                  case let .map(table)? = type.settings["prices"], case let .map(entry)? = table[model],
                  let input = entry["input_usd_per_mtok"]?.doubleValue, let output = entry["output_usd_per_mtok"]?.doubleValue
            else { continue }
            prices[type.name] = Price(inputPerMTok: input, outputPerMTok: output)
        }
    }

    public func price(_ workerType: String) -> Price? { prices[workerType] }

    /// Learns from a plugin's description (`describe`, or a registration's capabilities): the
    /// price of its `default_model` in its `models`. A null price stays unknown.
    public mutating func learn(_ workerType: String, description: JSONValue) {
        guard let model = description["default_model"]?.stringValue,
              let entry = description["models"]?.arrayValue?.first(where: { $0["id"]?.stringValue == model }) else { return }
        if let input = entry["input_usd_per_mtok"]?.doubleValue, let output = entry["output_usd_per_mtok"]?.doubleValue {
            prices[workerType] = Price(inputPerMTok: input, outputPerMTok: output)
        } else {
            prices[workerType] = nil
        }
    }

    /// For stats and check-config: each worker type's price, or nil when unknown.
    public var known: [String: Price] { prices }
}
