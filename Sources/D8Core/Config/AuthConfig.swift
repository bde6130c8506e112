/// Bearer tokens. With none configured d8 serves loopback only (unless `allow_insecure`).
public struct AuthConfig: Sendable, Equatable {
    /// What workers send; nil means workers need no token.
    public var workerToken: String?
    public var clientKeys: [ClientKey]

    public init(workerToken: String? = nil, clientKeys: [ClientKey] = []) {
        self.workerToken = workerToken
        self.clientKeys = clientKeys
    }

    /// True when any token or key is configured, i.e. requests must authenticate.
    public var isEnabled: Bool { workerToken != nil || !clientKeys.isEmpty }
}

/// One client program's key, with an optional daily spending limit.
public struct ClientKey: Sendable, Equatable {
    /// Shown in logs and stats instead of the key.
    public var name: String
    public var key: String
    public var dailyBudgetUSD: Double?

    public init(name: String, key: String, dailyBudgetUSD: Double? = nil) {
        self.name = name
        self.key = key
        self.dailyBudgetUSD = dailyBudgetUSD
    }
}

extension ClientKey: CustomStringConvertible {
    /// Never prints the key itself, so a stray `print(config)` leaks nothing.
    public var description: String {
        "ClientKey(name: \(name), key: <redacted>, dailyBudgetUSD: \(dailyBudgetUSD.map { "\($0)" } ?? "nil"))"
    }
}
