/// Routing decisions as plain values: which worker types may run a task and in
/// which order, and whether a given worker type may take it now. No clocks, no I/O: the
/// orchestrator passes in prices, speeds, free slots and waiting times.
public enum TaskRouter {
    /// The plan for one task. `ceilingUSD` is the lower of the task type's `max_cost_usd` and
    /// the submit's own. Under a ceiling, a worker type whose price is unknown is out: unknown
    /// is not free. `speed` is a worker type's measured median run time in seconds, if any.
    public static func plan(
        route: [String], strategy: RoutingStrategy, ceilingUSD: Double?, tokens: TokenEstimate,
        price: (String) -> Price?, speed: (String) -> Double? = { _ in nil }
    ) -> RoutePlan {
        var plan = RoutePlan(candidates: [], excluded: [])
        for type in route {
            let estimate = price(type)?.cost(inputTokens: tokens.inputTokens, outputTokens: tokens.outputTokens)
            if let ceilingUSD {
                guard let estimate else {
                    plan.excluded.append(.init(workerType: type, reason: "its price is unknown, and max_cost_usd $\(usd(ceilingUSD)) needs one"))
                    continue
                }
                guard estimate <= ceilingUSD else {
                    plan.excluded.append(.init(workerType: type, reason: "estimated $\(usd(estimate)) exceeds max_cost_usd $\(usd(ceilingUSD))"))
                    continue
                }
            }
            plan.candidates.append(.init(workerType: type, estimateUSD: estimate))
        }
        // Stable sorts keep the route's order among equals.
        switch strategy {
        case .ordered:
            break
        case .cheapest:
            plan.candidates = stableSorted(plan.candidates) { ($0.estimateUSD ?? .infinity) < ($1.estimateUSD ?? .infinity) }
        case .fastest:
            plan.candidates = stableSorted(plan.candidates) { (speed($0.workerType) ?? .infinity) < (speed($1.workerType) ?? .infinity) }
        }
        return plan
    }

    /// Whether `workerType` may take a task of this plan now: it is eligible, and every worker
    /// type the plan prefers to it has no free slot, or the task has waited `spillAfter`.
    public static func mayTake(
        _ workerType: String, eligible: [String], hasFreeSlot: (String) -> Bool, waited: Duration, spillAfter: Duration
    ) -> Bool {
        guard let position = eligible.firstIndex(of: workerType) else { return false }
        if waited >= spillAfter { return true }
        return !eligible[..<position].contains(where: hasFreeSlot)
    }

    static func usd(_ amount: Double) -> String {
        amount >= 1 ? String(format2: amount) : String(significant: amount)
    }

    private static func stableSorted<T>(_ items: [T], by less: (T, T) -> Bool) -> [T] {
        items.enumerated().sorted { a, b in less(a.element, b.element) || (!less(b.element, a.element) && a.offset < b.offset) }.map(\.element)
    }
}

extension String {
    /// "12.50"
    init(format2 value: Double) {
        let cents = (value * 100).rounded()
        let whole = Int(cents / 100), fraction = Int(abs(cents).truncatingRemainder(dividingBy: 100))
        self = "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Four significant digits for small amounts: "0.0004200" reads as "0.00042".
    init(significant value: Double) {
        guard value > 0 else {
            self = "0"
            return
        }
        var scale = 1.0, digits = 0
        while value * scale < 1000, digits < 12 { scale *= 10; digits += 1 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if text.contains("e") { text = "\(value)" }
        self = text
    }
}
