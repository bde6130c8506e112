/// Daily spending against the budgets, as a plain value: the limits, what was spent
/// today and what running tasks have reserved, per scope. A task's estimate is reserved when it
/// is leased and settled with its real cost when its result arrives, so tasks running at the
/// same time cannot together pass a limit.
public struct BudgetBook: Sendable, Equatable {
    public enum Scope: Hashable, Sendable, Comparable, CustomStringConvertible {
        case global
        case client(String)
        case workerType(String)

        public var description: String {
            switch self {
            case .global: "global"
            case let .client(name): "client:\(name)"
            case let .workerType(name): "worker_type:\(name)"
            }
        }

        /// The scope a `description` names.
        public init?(_ description: String) {
            if description == "global" {
                self = .global
            } else if description.hasPrefix("client:") {
                self = .client(String(description.dropFirst(7)))
            } else if description.hasPrefix("worker_type:") {
                self = .workerType(String(description.dropFirst(12)))
            } else {
                return nil
            }
        }
    }

    /// Why a cost does not fit.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public let scope: Scope
        public let limit: Double
        public let spent: Double
        public let reserved: Double

        public init(scope: Scope, limit: Double, spent: Double, reserved: Double) {
            self.scope = scope
            self.limit = limit
            self.spent = spent
            self.reserved = reserved
        }

        public var description: String {
            let reservedText = reserved > 0 ? " and $\(TaskRouter.usd(reserved)) reserved by running tasks" : ""
            return "the \(scope) daily budget of $\(TaskRouter.usd(limit)) is spent ($\(TaskRouter.usd(spent)) spent\(reservedText))"
        }
    }

    public private(set) var limits: [Scope: Double]
    public private(set) var spent: [Scope: Double] = [:]
    public private(set) var reserved: [Scope: Double] = [:]
    /// The budget day `spent` belongs to (see `day(at:)`).
    public private(set) var day: Int
    public let utcOffsetMinutes: Int

    public init(config: BudgetsConfig, clientLimits: [String: Double], now: Double) {
        var limits: [Scope: Double] = [:]
        if let daily = config.dailyUSD { limits[.global] = daily }
        for (name, limit) in config.workerTypesDailyUSD { limits[.workerType(name)] = limit }
        for (name, limit) in clientLimits { limits[.client(name)] = limit }
        self.limits = limits
        utcOffsetMinutes = config.utcOffsetMinutes
        day = Self.day(at: now, utcOffsetMinutes: config.utcOffsetMinutes)
    }

    public var isEmpty: Bool { limits.isEmpty }

    /// Days since the epoch, starting at midnight at the configured UTC offset.
    public static func day(at epochSeconds: Double, utcOffsetMinutes: Int) -> Int {
        Int(((epochSeconds + Double(utcOffsetMinutes) * 60) / 86_400).rounded(.down))
    }

    /// Whole seconds until the next budget day starts: when a spent budget admits work again.
    public func secondsUntilNextDay(now: Double) -> Int {
        let next = Double(Self.day(at: now, utcOffsetMinutes: utcOffsetMinutes) + 1) * 86_400 - Double(utcOffsetMinutes) * 60
        return max(1, Int((next - now).rounded(.up)))
    }

    /// The scopes a task's spending counts against.
    public static func scopes(client: String?, workerType: String) -> [Scope] {
        [.global, .workerType(workerType)] + (client.map { [.client($0)] } ?? [])
    }

    /// nil when `cost` fits every limited scope, else the first limit it would pass.
    public func refusal(cost: Double, client: String?, workerType: String) -> Refusal? {
        guard cost > 0 else { return nil }
        for scope in Self.scopes(client: client, workerType: workerType) {
            guard let limit = limits[scope] else { continue }
            let (s, r) = (spent[scope, default: 0], reserved[scope, default: 0])
            if s + r + cost > limit + 1e-12 { return Refusal(scope: scope, limit: limit, spent: s, reserved: r) }
        }
        return nil
    }

    public mutating func reserve(_ amount: Double, client: String?, workerType: String) {
        add(amount, to: &reserved, client: client, workerType: workerType)
    }

    public mutating func release(_ amount: Double, client: String?, workerType: String) {
        add(-amount, to: &reserved, client: client, workerType: workerType)
    }

    /// A real cost, counted against today (the day it is settled).
    public mutating func spend(_ amount: Double, client: String?, workerType: String) {
        add(amount, to: &spent, client: client, workerType: workerType)
    }

    /// Starts a new day when `now` is past the current one: spending starts again from zero,
    /// reservations stay (their tasks are still running).
    public mutating func roll(to now: Double) {
        let today = Self.day(at: now, utcOffsetMinutes: utcOffsetMinutes)
        if today != day {
            day = today
            spent = [:]
        }
    }

    /// Takes the totals a cluster's database holds (every node's spending and reservations) as
    /// this book's own.
    public mutating func replaceTotals(spent: [Scope: Double], reserved: [Scope: Double], day: Int) {
        self.day = day
        self.spent = spent
        self.reserved = reserved
    }

    /// The limited scopes a task's spending counts against, with their limits.
    public func limits(client: String?, workerType: String) -> [(scope: Scope, limit: Double)] {
        Self.scopes(client: client, workerType: workerType).compactMap { scope in limits[scope].map { (scope, $0) } }
    }

    /// Spent plus reserved, never above the limit, for stats.
    public func remaining(_ scope: Scope) -> Double? {
        limits[scope].map { max(0, $0 - spent[scope, default: 0] - reserved[scope, default: 0]) }
    }

    private func add(_ amount: Double, to ledger: inout [Scope: Double], client: String?, workerType: String) {
        guard amount != 0 else { return }
        for scope in Self.scopes(client: client, workerType: workerType) {
            ledger[scope] = max(0, ledger[scope, default: 0] + amount)
        }
    }
}
