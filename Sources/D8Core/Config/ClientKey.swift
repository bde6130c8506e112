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
