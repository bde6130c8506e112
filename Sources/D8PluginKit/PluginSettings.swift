import D8JSON

/// A worker type's settings, checked once at create. Unknown keys are kept in `raw` (for a
/// plugin's own keys) and otherwise ignored, as the ABI asks.
public struct PluginSettings: Sendable, Equatable {
    public let raw: [String: JSONValue]
    public let apiKey: String?
    /// Without a trailing slash, so that paths append cleanly.
    public let baseURL: String?
    public let defaultModel: String?
    public let timeoutSeconds: Double
    public let maxTokens: Int
    public let prices: [String: ModelPrice]
    public let slots: Int?
    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?

    public static let defaultTimeoutSeconds = 60.0
    public static let defaultMaxTokens = 1024

    public init(json bytes: [UInt8]) throws(PluginSetupError) {
        let value: JSONValue
        do throws(JSONParseError) {
            value = bytes.isEmpty ? [:] : try JSONValue.parse(bytes)
        } catch {
            throw PluginSetupError("the settings are not valid JSON: \(error.reason)")
        }
        try self.init(value)
    }

    public init(_ value: JSONValue) throws(PluginSetupError) {
        guard let raw = value.objectValue else { throw PluginSetupError("the settings must be a JSON object, got \(value.kindDescription)") }
        self.raw = raw
        apiKey = try Self.string(raw, "api_key").flatMap { $0.isEmpty ? nil : $0 }
        baseURL = try Self.string(raw, "base_url").map(Self.checkedURL)
        defaultModel = try Self.string(raw, "default_model").flatMap { $0.isEmpty ? nil : $0 }
        timeoutSeconds = try Self.positiveNumber(raw, "timeout_s") ?? Self.defaultTimeoutSeconds
        maxTokens = try Self.positiveInteger(raw, "max_tokens") ?? Self.defaultMaxTokens
        prices = try Self.prices(raw["prices"])
        slots = try Self.positiveInteger(raw, "slots")
        requestsPerMinute = try Self.positiveInteger(raw, "requests_per_minute")
        tokensPerMinute = try Self.positiveInteger(raw, "tokens_per_minute")
    }

    /// `"d8_purpose": "describe"`: the instance will only be described (`d8 plugins`), never
    /// executed, so secrets need not be there (see d8_plugin.h, create).
    public var describeOnly: Bool { raw["d8_purpose"] == "describe" }

    /// The API key, or an error telling where to set it (none needed when only describing).
    public func requireAPIKey(environmentVariable: String) throws(PluginSetupError) -> String {
        if describeOnly { return apiKey ?? "" }
        guard let apiKey else { throw PluginSetupError("api_key is missing (set \(environmentVariable) or api_key in the worker type)") }
        return apiKey
    }

    /// A plugin's own string setting, nil when absent.
    public func string(_ key: String) throws(PluginSetupError) -> String? { try Self.string(raw, key) }

    /// The whole exchange's time limit for the host, in milliseconds.
    public var timeoutMilliseconds: UInt32 { UInt32(min(timeoutSeconds * 1000, Double(UInt32.max)).rounded(.up)) }
}

extension PluginSettings {
    static func string(_ raw: [String: JSONValue], _ key: String) throws(PluginSetupError) -> String? {
        guard let value = raw[key], value != .null else { return nil }
        guard let text = value.stringValue else { throw PluginSetupError("\(key) must be a string, got \(value.kindDescription)") }
        return text
    }

    static func positiveNumber(_ raw: [String: JSONValue], _ key: String) throws(PluginSetupError) -> Double? {
        guard let value = raw[key], value != .null else { return nil }
        guard let number = value.doubleValue, number > 0 else { throw PluginSetupError("\(key) must be a positive number, got \(value.jsonString)") }
        return number
    }

    static func positiveInteger(_ raw: [String: JSONValue], _ key: String) throws(PluginSetupError) -> Int? {
        guard let value = raw[key], value != .null else { return nil }
        guard let number = value.intValue, number > 0 else { throw PluginSetupError("\(key) must be a positive integer, got \(value.jsonString)") }
        return number
    }

    /// An http(s) URL with a host; a trailing slash is dropped.
    static func checkedURL(_ text: String) throws(PluginSetupError) -> String {
        let lower = text.lowercased()
        let scheme = ["http://", "https://"].first { lower.hasPrefix($0) }
        let rest = scheme.map { text.dropFirst($0.count) } ?? ""
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard scheme != nil, !host.isEmpty, !host.hasPrefix(":"), !text.contains(where: \.isWhitespace) else {
            throw PluginSetupError("base_url must be an http:// or https:// URL with a host, got '\(text)'")
        }
        var url = text
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// {"<model>": {"input_usd_per_mtok": x, "output_usd_per_mtok": y}}; both required, >= 0.
    /// Optional: "cached_input_usd_per_mtok" and "cache_write_usd_per_mtok" (else the input rate).
    static func prices(_ value: JSONValue?) throws(PluginSetupError) -> [String: ModelPrice] {
        guard let value, value != .null else { return [:] }
        guard let models = value.objectValue else { throw PluginSetupError("prices must be an object of models, got \(value.kindDescription)") }
        var prices: [String: ModelPrice] = [:]
        for (model, entry) in models {
            func price(_ key: String) throws(PluginSetupError) -> Double {
                guard let number = entry[key]?.doubleValue, number >= 0 else {
                    throw PluginSetupError("prices.\(model).\(key) must be a non-negative number")
                }
                return number
            }
            func optionalPrice(_ key: String) throws(PluginSetupError) -> Double? {
                entry[key] == nil || entry[key] == .null ? nil : try price(key)
            }
            prices[model] = ModelPrice(
                input: try price("input_usd_per_mtok"), output: try price("output_usd_per_mtok"),
                cachedInput: try optionalPrice("cached_input_usd_per_mtok"), cacheWrite: try optionalPrice("cache_write_usd_per_mtok"))
        }
        return prices
    }
}
