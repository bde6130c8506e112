@testable import D8Server
import D8Core
import D8Store
import Testing

/// The orchestrator's rules as plain values: every event is a function call with the time.
@Suite("Scheduler rules")
struct SchedulerTests {
    @Test func higherPriorityFirstThenFIFO() throws {
        var h = try SchedulerHarness()
        let low = try h.submit(priority: 2)
        let first = try h.submit(priority: 7)
        let second = try h.submit(priority: 7)
        try h.register("w", slots: 3)
        #expect(try h.lease("w", max: 3).map(\.record.taskID) == [first, second, low])
    }

    @Test func agingLetsALowPriorityTaskPassNewerHighOnes() throws {
        var h = try SchedulerHarness()
        let old = try h.submit(priority: 1)
        _ = h.advance(5 * 60) // 60 s aging: +5 levels, effective 6
        let newer = try h.submit(priority: 5)
        try h.register("w", slots: 2)
        #expect(try h.lease("w", max: 2).map(\.record.taskID) == [old, newer])
    }

    @Test func aLeaseTakesASlotAndTheResultFreesIt() throws {
        var h = try SchedulerHarness()
        try h.submit()
        try h.submit()
        try h.register("w")
        let task = try #require(try h.lease("w").first)
        #expect(try h.lease("w").isEmpty, "one slot: the second waits")
        #expect(h.scheduler.workers["w"]?.busySlots == 1)
        guard case let .received(effects) = try h.report(task) else { Issue.record("not received"); return }
        #expect(effects.finished.map(\.taskID) == [task.record.taskID])
        #expect(effects.writes.count == 1)
        #expect(h.status(task.record.taskID) == .completed)
        #expect(h.scheduler.workers["w"]?.busySlots == 0)
        #expect(try h.lease("w").count == 1)
    }

    @Test func aLeaseWritesOnlyTheLeaseColumns() throws {
        var h = try SchedulerHarness()
        try h.submit()
        try h.register("w")
        let answer = try h.scheduler.lease(workerID: "w", max: 1, now: h.now, deadline: h.now)
        guard case let .lease(record)? = answer.effects.writes.first else { Issue.record("no lease write"); return }
        #expect(record.status == .assigned && record.attempt == 1 && record.lease == "test-1")
        #expect(answer.effects.writes.count == 1 && !answer.effects.mustFlush)
    }

    /// What the metrics count comes out of the rules: an expiry and its retry, a provider call
    /// (late ones too: they were paid for), a retryable failure.
    @Test func theMetricsEventsComeFromTheRules() throws {
        var h = try SchedulerHarness()
        _ = try h.submit()
        try h.register("w", slots: 2)
        let task = try #require(try h.lease("w").first)
        let expiry = h.advance(11)
        #expect(expiry.observations == [.leaseExpired(taskType: "echo"), .retried(taskType: "echo")])
        guard case let .stale(_, late) = try h.report(task, extra: ["model": "m", "usage": ["input_tokens": 7, "output_tokens": 3], "cost_usd": 0.5]) else {
            Issue.record("late result accepted")
            return
        }
        guard case let .providerCall(call)? = late.observations.first else { Issue.record("no call observed"); return }
        #expect(call.model == "m" && call.inputTokens == 7 && call.outputTokens == 3 && call.costUSD == 0.5 && call.succeeded)
        let again = try #require(try h.lease("w").first)
        guard case let .received(failed) = try h.report(again, success: false, extra: ["error": "429", "retryable": true]) else {
            Issue.record("not received")
            return
        }
        #expect(failed.observations.count == 2 && failed.observations.last == .retried(taskType: "echo"))
    }

    @Test func anExpiredLeaseGoesBackWhileTheSlotStaysBusyUntilTheLateResult() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("w", slots: 2)
        let task = try #require(try h.lease("w").first)
        _ = h.advance(11) // task_timeout 10 s
        #expect(h.status(id) == .pending)
        #expect(h.record(id)?.errors.contains("lease expired") == true)
        #expect(h.scheduler.workers["w"]?.busySlots == 1, "the hung call still holds its slot")
        let again = try #require(try h.lease("w").first)
        #expect(again.record.attempt == 2 && again.record.lease != task.record.lease)
        // The late result of the first attempt is refused, and frees the slot it held.
        guard case .stale = try h.report(task) else { Issue.record("late result accepted"); return }
        #expect(h.scheduler.workers["w"]?.busySlots == 1)
        guard case .received = try h.report(again) else { Issue.record("current result refused"); return }
        #expect(h.status(id) == .completed)
    }

    @Test func aSilentWorkerIsReapedAndItsTasksGoToAnother() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("silent")
        _ = try h.lease("silent")
        try h.register("alive")
        _ = h.advance(20)
        _ = try h.scheduler.heartbeat(workerID: "alive", now: h.now)
        _ = h.advance(11) // silent for 31 s > worker_timeout 30 s; alive for 11 s
        #expect(h.scheduler.workers["silent"] == nil && h.scheduler.workers["alive"] != nil)
        #expect(h.status(id) == .pending)
        let task = try #require(try h.lease("alive").first)
        #expect(task.record.attempt == 2)
        #expect(throws: APIError.self) { try h.lease("silent") }
    }

    @Test func unregisterGivesTasksBackWithoutUsingAnAttempt() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("w")
        _ = try h.lease("w")
        _ = try h.scheduler.unregister(workerID: "w", now: h.now)
        #expect(h.record(id)?.attempt == 0 && h.status(id) == .pending)
    }

    @Test func retryableFailuresWaitTheirBackoffThenTheLastIsDead() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("w")
        for attempt in 1...3 {
            let task = try #require(try h.lease("w").first, "attempt \(attempt)")
            _ = try h.report(task, success: false, extra: ["retryable": true, "error": "429", "retry_after": 2])
            if attempt < 3 {
                #expect(h.status(id) == .pending)
                #expect(try h.lease("w").isEmpty, "parked until its retry time")
                _ = h.advance(1.5)
                #expect(try h.lease("w").isEmpty, "retry_after 2 s is honoured")
                _ = h.advance(1)
            }
        }
        #expect(h.status(id) == .dead)
        let errors = try JSONValue.parse(try #require(h.record(id)?.errors)).arrayValue ?? []
        #expect(errors.map { $0["error"] } == ["429", "429", "429"], "every attempt's error kept")
    }

    @Test func aForeignOrRepeatedResultChangesNothing() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("w")
        try h.register("other")
        let task = try #require(try h.lease("w").first)
        guard case .stale = try h.report(task, by: "other") else { Issue.record("foreign result accepted"); return }
        #expect(h.status(id) == .assigned)
        _ = try h.report(task)
        guard case .duplicate = try h.report(task) else { Issue.record("a repeat counted twice"); return }
        #expect(h.scheduler.workers["w"]?.completed == 1)
    }

    @Test func aPreferredTypeWithAFreeSlotKeepsTheTaskUntilTheSpillDelay() throws {
        var h = try SchedulerHarness()
        let id = try h.submit("chat")
        try h.register("d", type: "dear")
        try h.register("c", type: "cheap")
        #expect(try h.lease("c").isEmpty, "dear comes first in an ordered route and has a free slot")
        _ = h.advance(6) // spill_after 5 s
        _ = try h.scheduler.heartbeat(workerID: "d", now: h.now)
        #expect(try h.lease("c").first?.record.taskID == id)
    }

    @Test func aSpilledLaneWakesTheLongPollsFurtherDown() throws {
        var h = try SchedulerHarness()
        try h.submit("chat")
        try h.register("d", type: "dear")
        try h.register("c", type: "cheap")
        let waiter = try #require(try h.scheduler.lease(workerID: "c", max: 1, now: h.now, deadline: h.now + 20).waiter)
        #expect(h.advance(1).wake.isEmpty)
        #expect(h.advance(5).wake.contains(waiter))
    }

    @Test func aSubmitWakesOneWaitingWorkerOfAnEligibleType() throws {
        var h = try SchedulerHarness()
        try h.register("a")
        try h.register("b")
        try h.register("c", type: "cheap")
        let a = try #require(try h.scheduler.lease(workerID: "a", max: 1, now: h.now, deadline: h.now + 20).waiter)
        _ = try h.scheduler.lease(workerID: "b", max: 1, now: h.now, deadline: h.now + 20)
        _ = try h.scheduler.lease(workerID: "c", max: 1, now: h.now, deadline: h.now + 20)
        let admissions = try h.scheduler.admit([Submission(type: "echo", data: [:], priority: 5)], client: nil, stored: [:], now: h.now) { "t" }
        guard case let .new(live)? = admissions.first else { Issue.record("not admitted"); return }
        #expect(h.scheduler.accept([live], now: h.now).wake == [a], "one task, one wake-up, the first eligible poll")
    }

    @Test func budgetsHoldWhatTheyCannotPayAndReleaseItTheNextDay() throws {
        var h = try SchedulerHarness(extra: "budgets: {daily_usd: 0.015}") { config in
            config.taskTypes = config.taskTypes.map { type in
                var type = type
                if type.name == "chat" { type.route = ["dear"] }
                return type
            }
        }
        let first = try h.submit("chat")
        let second = try h.submit("chat")
        try h.register("d", type: "dear", slots: 2)
        let answer = try h.scheduler.lease(workerID: "d", max: 2, now: h.now, deadline: h.now)
        #expect(answer.tasks.map(\.record.taskID) == [first], "the second would pass $0.015 with the first's reservation")
        #expect(answer.effects.mustFlush, "a reservation is durable before the worker has the task")
        #expect(h.status(second) == .held)
        #expect(h.record(second)?.heldReason?.contains("global daily budget") == true)
        _ = try h.report(answer.tasks[0], extra: ["cost_usd": 0.012])
        _ = h.advance(86_400)
        try h.register("d", type: "dear", slots: 2)
        #expect(h.status(second) == .pending, "a new day admits it again")
        #expect(try h.lease("d").first?.record.taskID == second)
    }

    @Test func aRefusedTypeLeavesTheTaskToAFreeOne() throws {
        var h = try SchedulerHarness(extra: "budgets: {daily_usd: 0.000001}")
        let id = try h.submit("chat")
        try h.register("d", type: "dear")
        try h.register("l", type: "local")
        #expect(try h.lease("d").isEmpty)
        #expect(h.status(id) == .pending, "not held: a free type may run it")
        _ = h.advance(6)
        #expect(try h.lease("l").first?.record.taskID == id)
    }

    @Test func cancelTakesATaskOutOfItsLane() throws {
        var h = try SchedulerHarness()
        let cancelled = try h.submit()
        let kept = try h.submit()
        guard case .cancelled = h.scheduler.cancel(taskID: cancelled, by: .everyone, now: h.now) else { Issue.record("not cancelled"); return }
        try h.register("w", slots: 2)
        #expect(try h.lease("w", max: 2).map(\.record.taskID) == [kept])
        #expect(h.scheduler.count(.pending) == 0 && h.scheduler.count(.assigned) == 1)
    }

    @Test func anIdempotencyKeyReturnsTheFirstTask() throws {
        var h = try SchedulerHarness()
        let first = try h.submit(key: "k")
        #expect(try h.submit(key: "k") == first)
        #expect(h.scheduler.liveTaskCount == 1)
    }

    /// Tenants: a key is the client's own, and one client cannot cancel or see another's task.
    @Test func clientsKeepTheirKeysAndTasksToThemselves() throws {
        var h = try SchedulerHarness()
        let alpha = try h.submit(key: "k", client: "alpha")
        let beta = try h.submit(key: "k", client: "beta")
        #expect(alpha != beta)
        #expect(try h.submit(key: "k", client: "alpha") == alpha)
        guard case .notLive = h.scheduler.cancel(taskID: alpha, by: .client("beta"), now: h.now) else { Issue.record("beta cancelled alpha's task"); return }
        #expect(h.status(alpha) == .pending)
        let betaView = h.scheduler.queueView(limit: 10, now: h.now, for: .client("beta"))
        #expect(betaView.tasks.map(\.record.taskID) == [beta] && betaView.total == 1 && betaView.byType == ["echo": 1])
        #expect(h.scheduler.queueView(limit: 10, now: h.now, for: .everyone).total == 2)
        guard case .cancelled = h.scheduler.cancel(taskID: alpha, by: .client("alpha"), now: h.now) else { Issue.record("alpha could not cancel its own"); return }
    }

    @Test func theQueueViewIsTheDispatchOrderWithoutSortingTheBacklog() throws {
        var h = try SchedulerHarness()
        var expected: [String] = []
        for priority in [3, 9, 3, 9, 1] { expected.append(try h.submit(priority: priority)) }
        let view = h.scheduler.queueView(limit: 4, now: h.now)
        #expect(view.tasks.map(\.record.taskID) == [expected[1], expected[3], expected[0], expected[2]])
        #expect(view.total == 5 && view.byType["echo"] == 5)
    }

    @Test func countsFollowEveryChangeOfState() throws {
        var h = try SchedulerHarness()
        for _ in 0..<3 { try h.submit() }
        try h.register("w")
        let task = try #require(try h.lease("w").first)
        #expect(h.scheduler.count(.pending) == 2 && h.scheduler.count(.assigned) == 1)
        _ = try h.report(task)
        let tally = h.scheduler.tally.statistics.byType["echo"]?.counts
        #expect(tally?[.completed] == 1 && tally?[.pending] == 2 && tally?[.assigned] == 0)
        h.scheduler.forget(task.record.seq)
        #expect(h.scheduler.liveTaskCount == 2)
    }

    @Test func aWorkerRegisteringAgainEndsItsOldPollAndGivesBackItsTasks() throws {
        var h = try SchedulerHarness()
        let id = try h.submit()
        try h.register("w")
        let old = try h.scheduler.lease(workerID: "w", max: 1, now: h.now, deadline: h.now + 20)
        #expect(old.tasks.count == 1)
        let waiting = try #require(try h.scheduler.lease(workerID: "w", max: 1, now: h.now, deadline: h.now + 20).waiter)
        let (_, effects) = try h.scheduler.register(workerID: "w", workerType: "local", capabilities: [:], now: h.now)
        #expect(effects.wake.contains(waiting))
        #expect(h.status(id) == .pending && h.record(id)?.attempt == 1)
        let stale = try h.scheduler.lease(workerID: "w", max: 1, now: h.now, deadline: h.now + 20, generation: old.generation)
        #expect(stale.tasks.isEmpty && stale.waiter == nil, "the old registration's poll ends")
    }
}

/// The dashboard's chart comes from counters kept as tasks finish, not from a query per refresh.
@Suite("Finishes per minute")
struct FinishesPerMinuteTests {
    @Test func countsByMinuteAndForgetsAfterAnHour() throws {
        var tally = TaskTally()
        func finish(_ status: TaskRecord.Status, at time: Double) {
            var record = TaskRecord(seq: 1, taskID: "t", type: "echo", data: "{}", priority: 5, maxAttempts: 1, createdAt: time - 1)
            record.workerType = "echo"
            record.finish(status, at: time)
            tally.finished(record)
        }
        tally.seed(minutes: [MinuteCount(minute: 6000, completed: 4, failed: 1)])
        finish(.completed, at: 6010)
        finish(.dead, at: 6059)
        finish(.cancelled, at: 6059)
        finish(.completed, at: 6060)
        #expect(tally.minutes(since: 6000).map { [$0.minute, Double($0.completed), Double($0.failed)] } == [[6000, 5, 2], [6060, 1, 0]])
        for minute in 0..<70 { finish(.completed, at: 6120 + Double(minute) * 60) }
        #expect(tally.finishedByMinute.count <= 61)
        #expect(tally.minutes(since: 0).first?.minute ?? 0 > 6060)
    }
}
