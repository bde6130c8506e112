import D8Core
import Testing

/// Routing decisions as plain values: strategies, ceilings, spill, unknown prices, budgets.
@Suite struct RouterTests {
    static let prices: [String: Price] = [
        "local": .free,
        "cheap": Price(inputPerMTok: 0.1, outputPerMTok: 0.4),
        "dear": Price(inputPerMTok: 3, outputPerMTok: 15),
    ]
    /// 1000 in, 1000 out: local $0, cheap $0.0005, dear $0.018; "mystery" has no price.
    static let tokens = TokenEstimate(inputTokens: 1000, outputTokens: 1000)

    struct PlanCase: Sendable, CustomTestStringConvertible {
        let name: String
        let route: [String]
        let strategy: RoutingStrategy
        let ceiling: Double?
        let eligible: [String]
        let excluded: [String]
        var testDescription: String { name }
    }

    static let planCases: [PlanCase] = [
        PlanCase(name: "cheapest sorts by estimate", route: ["dear", "cheap", "local"], strategy: .cheapest, ceiling: nil,
                 eligible: ["local", "cheap", "dear"], excluded: []),
        PlanCase(name: "ordered keeps the route", route: ["dear", "cheap", "local"], strategy: .ordered, ceiling: nil,
                 eligible: ["dear", "cheap", "local"], excluded: []),
        PlanCase(name: "fastest sorts by measured speed", route: ["cheap", "dear", "local"], strategy: .fastest, ceiling: nil,
                 eligible: ["dear", "cheap", "local"], excluded: []),
        PlanCase(name: "a ceiling keeps the pricey type out", route: ["dear", "cheap", "local"], strategy: .cheapest, ceiling: 0.01,
                 eligible: ["local", "cheap"], excluded: ["dear"]),
        PlanCase(name: "unknown price: last without a ceiling", route: ["mystery", "dear"], strategy: .cheapest, ceiling: nil,
                 eligible: ["dear", "mystery"], excluded: []),
        PlanCase(name: "unknown price: never eligible under a ceiling", route: ["mystery", "local"], strategy: .cheapest, ceiling: 100,
                 eligible: ["local"], excluded: ["mystery"]),
        PlanCase(name: "a ceiling of zero leaves only free types", route: ["cheap", "local"], strategy: .ordered, ceiling: 0,
                 eligible: ["local"], excluded: ["cheap"]),
        PlanCase(name: "nothing fits", route: ["dear", "mystery"], strategy: .cheapest, ceiling: 0.001,
                 eligible: [], excluded: ["dear", "mystery"]),
    ]

    @Test(arguments: planCases)
    func plans(_ c: PlanCase) {
        let speeds: [String: Double] = ["dear": 0.5, "cheap": 2]
        let plan = TaskRouter.plan(route: c.route, strategy: c.strategy, ceilingUSD: c.ceiling, tokens: Self.tokens,
                               price: { Self.prices[$0] }, speed: { speeds[$0] })
        #expect(plan.eligible == c.eligible)
        #expect(plan.excluded.map(\.workerType) == c.excluded)
    }

    @Test func exclusionsSayWhy() {
        let plan = TaskRouter.plan(route: ["dear", "mystery"], strategy: .cheapest, ceilingUSD: 0.001, tokens: Self.tokens, price: { Self.prices[$0] })
        #expect(plan.refusal == "no worker type of the route can take this task: dear: estimated $0.018 exceeds max_cost_usd $0.001; mystery: its price is unknown, and max_cost_usd $0.001 needs one")
        #expect(plan.candidates.isEmpty)
        let priced = TaskRouter.plan(route: ["cheap", "mystery"], strategy: .cheapest, ceilingUSD: nil, tokens: Self.tokens, price: { Self.prices[$0] })
        #expect(priced.candidates == [.init(workerType: "cheap", estimateUSD: 0.0005), .init(workerType: "mystery", estimateUSD: nil)])
    }

    @Test func estimatesFromPromptSize() {
        #expect(TokenEstimate(promptBytes: 4001, maxTokens: 100) == TokenEstimate(inputTokens: 1001, outputTokens: 100))
        #expect(Price(inputPerMTok: 2, outputPerMTok: 10).cost(inputTokens: 1000, outputTokens: 500) == 0.007)
    }

    struct TakeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let taker: String
        let free: Set<String>
        let waited: Duration
        let allowed: Bool
        var testDescription: String { name }
    }

    static let takeCases: [TakeCase] = [
        TakeCase(name: "the preferred type takes it", taker: "local", free: ["local", "cheap"], waited: .zero, allowed: true),
        TakeCase(name: "a pricier type waits while a cheaper one has a free slot", taker: "cheap", free: ["local", "cheap"], waited: .seconds(1), allowed: false),
        TakeCase(name: "a pricier type takes it when the cheaper ones are saturated", taker: "dear", free: ["dear"], waited: .zero, allowed: true),
        TakeCase(name: "one free cheaper type is enough to wait", taker: "dear", free: ["cheap", "dear"], waited: .zero, allowed: false),
        TakeCase(name: "after the spill delay anyone eligible takes it", taker: "dear", free: ["local", "cheap", "dear"], waited: .seconds(10), allowed: true),
        TakeCase(name: "an ineligible type never takes it", taker: "other", free: [], waited: .seconds(60), allowed: false),
    ]

    @Test(arguments: takeCases)
    func mayTake(_ c: TakeCase) {
        let eligible = ["local", "cheap", "dear"]
        let allowed = TaskRouter.mayTake(c.taker, eligible: eligible, hasFreeSlot: { c.free.contains($0) }, waited: c.waited, spillAfter: .seconds(10))
        #expect(allowed == c.allowed)
    }
}

/// Budgets: reservations and spending per scope, refusals that say which limit, the day roll.
@Suite struct BudgetBookTests {
    static let noon = 1_795_000_000.0 - 1_795_000_000.0.truncatingRemainder(dividingBy: 86_400) + 43_200

    func book() -> BudgetBook {
        var config = BudgetsConfig()
        config.dailyUSD = 1
        config.workerTypesDailyUSD = ["dear": 0.5]
        return BudgetBook(config: config, clientLimits: ["alice": 0.2], now: Self.noon)
    }

    @Test func reservationsCountUntilSettled() {
        var b = book()
        #expect(b.refusal(cost: 0.3, client: nil, workerType: "dear") == nil)
        b.reserve(0.3, client: nil, workerType: "dear")
        #expect(b.refusal(cost: 0.3, client: nil, workerType: "dear")?.scope == .workerType("dear"))
        #expect(b.refusal(cost: 0.3, client: nil, workerType: "cheap") == nil, "other worker types only count against the global limit")
        b.release(0.3, client: nil, workerType: "dear")
        b.spend(0.1, client: nil, workerType: "dear")
        #expect(b.refusal(cost: 0.3, client: nil, workerType: "dear") == nil)
        #expect(b.remaining(.workerType("dear")) == 0.4)
        #expect(b.remaining(.global) == 0.9)
    }

    @Test func theFirstLimitReachedIsNamed() {
        var b = book()
        #expect(b.refusal(cost: 0.25, client: "alice", workerType: "cheap")?.scope == .client("alice"))
        b.spend(0.95, client: "bob", workerType: "cheap")
        let refusal = b.refusal(cost: 0.1, client: "bob", workerType: "cheap")
        #expect(refusal?.scope == .global)
        #expect(refusal?.description == "the global daily budget of $1.00 is spent ($0.95 spent)")
        #expect(b.refusal(cost: 0, client: "bob", workerType: "local") == nil, "free work is never refused")
    }

    @Test func aNewDayStartsFromZeroButKeepsReservations() {
        var b = book()
        b.spend(1, client: nil, workerType: "cheap")
        b.reserve(0.2, client: nil, workerType: "cheap")
        b.roll(to: Self.noon + 3_600)
        #expect(b.spent[.global] == 1, "same day")
        b.roll(to: Self.noon + 43_200 + 1)
        #expect(b.spent[.global] == nil)
        #expect(b.reserved[.global] == 0.2)
    }

    @Test func theDayStartsAtTheConfiguredOffset() {
        let midnightUTC = Self.noon - 43_200
        #expect(BudgetBook.day(at: midnightUTC - 1, utcOffsetMinutes: 0) + 1 == BudgetBook.day(at: midnightUTC, utcOffsetMinutes: 0))
        #expect(BudgetBook.day(at: midnightUTC - 7_200, utcOffsetMinutes: 120) == BudgetBook.day(at: midnightUTC, utcOffsetMinutes: 0))
    }
}
