import D8Core
import D8Store
import Foundation

extension Orchestrator {
    /// Where a task may run: its type's route and strategy, the lower of the type's
    /// and the submit's cost ceilings, and the estimate of its tokens at each worker type's price.
    func plan(_ live: LiveTask, in state: borrowing State) -> RoutePlan {
        guard let type = config.taskType(named: live.record.type) else { return RoutePlan.empty }
        let ceilings = [type.maxCostUSD, live.record.maxCostUSD].compactMap { $0 }
        let maxTokens = live.data["max_tokens"]?.intValue ?? type.maxTokens ?? TokenEstimate.defaultMaxTokens
        let tokens = TokenEstimate(promptBytes: live.record.data.utf8.count, maxTokens: maxTokens)
        let (prices, runTimes) = (state.prices, state.runTimes)
        return TaskRouter.plan(
            route: type.route, strategy: type.strategy, ceilingUSD: ceilings.min(), tokens: tokens,
            price: { prices.price($0) }, speed: { runTimes[$0]?.median })
    }

    /// The lane of a task's plan, made on first use.
    func lane(for live: LiveTask, in state: inout State) throws -> Lane {
        let key = Lane.Key(taskType: live.record.type, eligible: live.plan.eligible)
        if let lane = state.lanes[key] { return lane }
        let queue = try TaskQueue(capacityPerPriority: config.queue.capacity, agingInterval: UInt64(config.queue.aging.milliseconds))
        let spill = config.taskType(named: key.taskType)?.spillAfter ?? RoutingStrategy.defaultSpill
        let lane = Lane(taskType: key.taskType, eligible: key.eligible, spillAfter: spill, queue: queue)
        state.lanes[key] = lane
        for type in key.eligible { state.lanesByWorkerType[type, default: []].append(lane) }
        return lane
    }

    /// Whether a worker type has a registered worker with a free slot.
    func hasFreeSlot(_ workerType: String) -> Bool {
        guard let index = config.workerTypeIndex(named: workerType) else { return false }
        return workerTable.freeSlots(type: index) > 0
    }

    /// Wakes up to `count` long-polls of workers that may take tasks of these lanes, the
    /// preferred worker types first.
    func wakeWaiters(for lanes: [Lane], count: Int) {
        guard count > 0, !lanes.isEmpty else { return }
        func rank(_ type: String) -> Int { lanes.compactMap { $0.eligible.firstIndex(of: type) }.min() ?? .max }
        let woken = state.withLock { state -> [Waiter] in
            let candidates = state.waiters.compactMap { waiter -> (Waiter, Int)? in
                guard let entry = state.workers[waiter.workerID], workerTable.worker(entry.key)?.state == .online else { return nil }
                let r = rank(entry.workerType)
                return r == .max ? nil : (waiter, r)
            }
            let chosen = candidates.sorted { $0.1 < $1.1 }.prefix(count).map(\.0)
            state.waiters.removeAll { waiter in chosen.contains { $0 === waiter } }
            return chosen
        }
        for waiter in woken { waiter.fire() }
    }

    /// A spill delay has passed for a lane's head: the worker types after the preferred ones
    /// may take it now, but they sleep in long-polls that no submit will wake.
    func wakeForSpilledLanes() {
        let now = ticks()
        let lanes = state.withLock { Array($0.lanes.values) }
        let spilled = lanes.filter { lane in
            guard let head = lane.queue.peek(now: now) else { return false }
            return now - min(now, head.enqueuedAt) >= UInt64(lane.spillAfter.milliseconds)
        }
        for lane in spilled { wakeWaiters(for: [lane], count: lane.queue.count) }
    }

    /// The messages of a task type's prompt shape (`system`, and `prompt` with `{field}`s filled
    /// from the data), added to the data a worker receives. Types without a shape are unchanged.
    func shapedData(_ live: LiveTask) -> JSONValue {
        guard let type = config.taskType(named: live.record.type), type.prompt != nil || type.system != nil,
              var data = live.data.objectValue else { return live.data }
        var messages = data["messages"]?.arrayValue ?? []
        if let template = type.prompt { messages = [["role": "user", "content": .string(PromptTemplate.render(template, with: data))]] }
        guard !messages.isEmpty else { return live.data }
        if let system = type.system { messages.insert(["role": "system", "content": .string(system)], at: 0) }
        data["messages"] = .array(messages)
        return .object(data)
    }

    static func budgetBook(config: D8Config, store: TaskStore) throws -> BudgetBook {
        let clientLimits = Dictionary(config.auth.clientKeys.compactMap { key in key.dailyBudgetUSD.map { (key.name, $0) } }) { a, _ in a }
        let now = epochNow()
        var book = BudgetBook(config: config.budgets, clientLimits: clientLimits, now: now)
        let dayStart = Double(book.day) * 86_400 - Double(config.budgets.utcOffsetMinutes) * 60
        for entry in try store.spend(since: dayStart) { book.spend(entry.usd, client: entry.client, workerType: entry.workerType) }
        return book
    }
}

/// `{field}` placeholders filled from a task's data: strings as they are, other values as JSON;
/// an unknown field is left as written, so the mistake shows in the prompt.
enum PromptTemplate {
    static func render(_ template: String, with data: [String: JSONValue]) -> String {
        var out = "", rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            switch data[name] {
            case let .string(text)?: out += text
            case let value?: out += value.jsonString
            case nil: out += rest[open...close]
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// The last run times of one worker type, for the `fastest` strategy.
struct RunTimes: Sendable {
    private var samples: [Double] = []
    static let kept = 50

    mutating func record(_ seconds: Double) {
        samples.append(seconds)
        if samples.count > Self.kept { samples.removeFirst(samples.count - Self.kept) }
    }

    var median: Double? {
        guard !samples.isEmpty else { return nil }
        return samples.sorted()[samples.count / 2]
    }
}

extension Orchestrator {
    /// Wakes workers for these tasks (just queued), by their lanes: one per task, or `all`
    /// of those who may take them (a task a worker type just turned down for its budget).
    func wakeWaiters(forTasks seqs: [UInt64], all: Bool = false) {
        guard !seqs.isEmpty else { return }
        let lanes = state.withLock { state in seqs.compactMap { state.tasks[$0]?.lane } }
        var unique: [Lane] = []
        for lane in lanes where !unique.contains(where: { $0 === lane }) { unique.append(lane) }
        wakeWaiters(for: unique, count: all ? .max : seqs.count)
    }
}
