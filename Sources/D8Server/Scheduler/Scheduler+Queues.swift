import D8Core
import D8Store

/// Lanes, plans and waking the long-polls that may take what was queued.
extension Scheduler {
    /// Where a task may run: its type's route and strategy, the lower of the type's and the
    /// submit's cost ceilings, and the estimate of its tokens at each worker type's price.
    func plan(for live: LiveTask) -> RoutePlan {
        guard let type = config.taskType(named: live.record.type) else { return RoutePlan.empty }
        let ceilings = [type.maxCostUSD, live.record.maxCostUSD].compactMap { $0 }
        let maxTokens = live.data["max_tokens"]?.intValue ?? type.maxTokens ?? TokenEstimate.defaultMaxTokens
        let tokens = TokenEstimate(promptBytes: live.record.data.utf8.count, maxTokens: maxTokens)
        let (prices, runTimes) = (self.prices, self.runTimes)
        let model = live.data["model"]?.stringValue // the model is part of the data: its price decides
        var plan = TaskRouter.plan(
            route: type.route, strategy: type.strategy, ceilingUSD: ceilings.min(), tokens: tokens,
            price: { prices.price($0, model: model) }, speed: { runTimes[$0]?.median })
        // A front-door request goes only where its fields can be honoured.
        if live.record.type.hasPrefix(D8Config.chatTaskPrefix) {
            for candidate in plan.candidates {
                guard let index = config.workerTypeIndex(named: candidate.workerType),
                      let field = ChatFieldSupport.unhonoured(by: config.workerTypes[index], data: live.data) else { continue }
                plan.candidates.removeAll { $0.workerType == candidate.workerType }
                plan.excluded.append(.init(workerType: candidate.workerType, reason: "its plugin cannot honour '\(field)'"))
            }
        }
        // Fallback: a worker type that failed this task is tried again only after the others.
        let failed = live.failedOn
        if !failed.isEmpty {
            plan.candidates = plan.candidates.filter { !failed.contains($0.workerType) } + plan.candidates.filter { failed.contains($0.workerType) }
        }
        return plan
    }

    /// Puts a pending task at the tail of its plan's lane (made on first use).
    mutating func enqueue(_ seq: UInt64, now: Double) {
        guard var live = tasks[seq], live.record.status == .pending else { return }
        let key = Lane.Key(taskType: live.record.type, eligible: live.plan.eligible)
        if lanes[key] == nil {
            let spill = config.taskType(named: key.taskType)?.spillAfter ?? RoutingStrategy.defaultSpill
            lanes[key] = LaneQueue(key: key, spillAfter: spill.seconds)
            for type in key.eligible { lanesByWorkerType[type, default: []].append(key) }
        }
        dequeue(&live)
        lanes[key]!.push(seq, priority: live.record.priority, at: now)
        live.queuedIn = key
        tasks[seq] = live
    }

    /// Takes a task out of its lane: its entry stays behind, stale, until it reaches the head.
    mutating func dequeue(_ live: inout LiveTask) {
        guard let key = live.queuedIn else { return }
        lanes[key]?.live -= 1
        live.queuedIn = nil
    }

    /// The lane's best current head: stale entries met on the way are dropped.
    mutating func currentHead(of key: Lane.Key, now: Double) -> LaneQueue.Head? {
        while let head = lanes[key]?.head(now: now, aging: aging) {
            if tasks[head.entry.seq]?.queuedIn == key { return head }
            lanes[key]!.removeHead(level: head.level)
        }
        return nil
    }

    /// Takes the head found by `currentHead` out of its lane.
    mutating func pop(_ head: LaneQueue.Head, from key: Lane.Key) -> LiveTask? {
        lanes[key]?.removeHead(level: head.level)
        guard var live = tasks[head.entry.seq] else { return nil }
        dequeue(&live)
        tasks[head.entry.seq] = live
        return live
    }

    /// Whether a worker type has a registered worker with a free slot.
    func hasFreeSlot(_ workerType: String) -> Bool { freeSlotsByType[workerType, default: 0] > 0 }

    /// Long-polls to wake for tasks just queued: one per task, preferred worker types first.
    mutating func wakeFor(tasks seqs: [UInt64], all: Bool = false) -> [WaiterID] {
        guard !seqs.isEmpty else { return [] }
        var keys: [Lane.Key] = []
        for seq in seqs { if let key = tasks[seq]?.queuedIn, !keys.contains(key) { keys.append(key) } }
        return wake(lanes: keys, count: all ? .max : seqs.count)
    }

    /// Wakes up to `count` long-polls of workers that may take tasks of these lanes and have a
    /// free slot, the preferred worker types first; they leave the waiting list.
    mutating func wake(lanes keys: [Lane.Key], count: Int) -> [WaiterID] {
        guard count > 0, !keys.isEmpty, !waiters.isEmpty else { return [] }
        func rank(_ type: String) -> Int { keys.compactMap { $0.eligible.firstIndex(of: type) }.min() ?? .max }
        let ranked = waiters.enumerated().compactMap { index, waiter -> (index: Int, rank: Int)? in
            guard let worker = workers[waiter.workerID], worker.generation == waiter.generation, worker.freeSlots > 0 else { return nil }
            let r = rank(worker.workerType)
            return r == .max ? nil : (index, r)
        }
        let chosen = ranked.sorted { $0.rank != $1.rank ? $0.rank < $1.rank : $0.index < $1.index }.prefix(count).map(\.index)
        let ids = chosen.map { waiters[$0].id }
        for index in chosen.sorted(by: >) { waiters.remove(at: index) }
        return ids
    }

    /// Long-polls of one worker (its slot was freed, or it left).
    mutating func wakeWorker(_ workerID: String) -> [WaiterID] {
        let ids = waiters.filter { $0.workerID == workerID }.map(\.id)
        waiters.removeAll { $0.workerID == workerID }
        return ids
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
