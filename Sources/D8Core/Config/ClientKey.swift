/// One client program's key, with an optional daily spending limit. Each client key is a
/// tenant: it sees, waits for, cancels and de-duplicates against its own tasks only. An admin
/// key (`auth.admin_keys`) is a client key that sees everything.
public struct ClientKey: Sendable, Equatable {
    /// Shown in logs and stats instead of the key.
    public var name: String
    public var key: String
    public var dailyBudgetUSD: Double?
    public var isAdmin: Bool

    public init(name: String, key: String, dailyBudgetUSD: Double? = nil, isAdmin: Bool = false) {
        self.name = name
        self.key = key
        self.dailyBudgetUSD = dailyBudgetUSD
        self.isAdmin = isAdmin
    }
}
