@testable import D8Server
import D8Core
import D8Store
import Testing

/// Deadlines, jobs and cache hits as the scheduler's rules: plain values and a clock.
@Suite("Scheduler: deadlines, jobs, cache hits")
struct SchedulerDeadlineTests {
    /// Submits one task with a deadline `in` seconds from now (and a job), accepted as stored.
    static func submit(_ h: inout SchedulerHarness, deadlineIn: Double?, job: String? = nil, id: String) throws -> LiveTask {
        var submission = Submission(type: "echo", data: ["prompt": "hi"], priority: 5)
        submission.deadline = deadlineIn.map { h.now + $0 }
        submission.jobID = job
        let admissions = try h.scheduler.admit([submission], client: nil, stored: [:], now: h.now) { id }
        guard case let .new(live)? = admissions.first else { throw CancellationError() }
        _ = h.scheduler.accept([live], now: h.now)
        return live
    }

    @Test func aTickExpiresWhatWaitedPastItsDeadlineAndNothingElse() throws {
        var h = try SchedulerHarness()
        _ = try Self.submit(&h, deadlineIn: 5, id: "soon")
        _ = try Self.submit(&h, deadlineIn: 60, id: "later")
        _ = try Self.submit(&h, deadlineIn: nil, id: "never")
        #expect(h.advance(4).finished.isEmpty)
        let effects = h.advance(2)
        #expect(effects.finished.map(\.taskID) == ["soon"])
        #expect(h.status("soon") == .expired && h.status("later") == .pending && h.status("never") == .pending)
        try h.register("w", slots: 3)
        #expect(try h.lease("w", max: 3).map(\.record.taskID).sorted() == ["later", "never"])
    }

    @Test func aLeaseNeverHandsOutAnOverdueTaskEvenBeforeATick() throws {
        var h = try SchedulerHarness()
        _ = try Self.submit(&h, deadlineIn: 1, id: "overdue")
        h.now += 2 // no tick yet
        try h.register("w")
        #expect(try h.lease("w").isEmpty)
        #expect(h.status("overdue") == .expired)
    }

    @Test func aFailedAttemptWhoseRetryWouldStartPastTheDeadlineEndsExpired() throws {
        var h = try SchedulerHarness()
        _ = try Self.submit(&h, deadlineIn: 3, id: "t")
        try h.register("w")
        let task = try #require(try h.lease("w").first)
        _ = try h.report(task, success: false, extra: ["error": "busy", "retryable": true, "retry_after": 10])
        #expect(h.status("t") == .expired)
        #expect(h.record("t")?.result != nil, "the last attempt's outcome is kept")
    }

    @Test func aJobIsFinishedWhenItsLastTaskIs() throws {
        var h = try SchedulerHarness()
        _ = try Self.submit(&h, deadlineIn: nil, job: "j", id: "a")
        _ = try Self.submit(&h, deadlineIn: nil, job: "j", id: "b")
        #expect(!h.scheduler.jobIsFinished("j"))
        try h.register("w", slots: 2)
        let leased = try h.lease("w", max: 2)
        _ = try h.report(leased[0])
        #expect(!h.scheduler.jobIsFinished("j"))
        let (cancelled, _) = h.scheduler.cancelJob("j", by: .everyone, now: h.now)
        #expect(cancelled == 1 && h.scheduler.jobIsFinished("j"))
    }

    @Test func aCacheHitIsCompletedAtOnceWithNoReservationOrLease() throws {
        var h = try SchedulerHarness(extra: "budgets: {daily_usd: 1}")
        let original = TaskRecord(seq: 99, taskID: "orig", type: "chat", data: #"{"p":"hi"}"#, priority: 5, status: .completed,
                                  maxAttempts: 3, createdAt: h.now - 10, completedAt: h.now - 5, result: #"{"success":true,"output":"x"}"#,
                                  costUSD: 0.3)
        var submission = Submission(type: "chat", data: ["p": "hi"], priority: 5)
        submission.cachedFrom = original
        let admissions = try h.scheduler.admit([submission], client: nil, stored: [:], now: h.now) { "hit" }
        guard case let .new(live)? = admissions.first else { Issue.record("not admitted"); return }
        #expect(live.record.status == .completed && live.record.cachedFrom == "orig" && live.record.savedUSD == 0.3)
        #expect(live.record.costUSD == 0 && live.record.reservedUSD == nil)
        _ = h.scheduler.accept([live], now: h.now)
        try h.register("w", type: "cheap")
        #expect(try h.lease("w").isEmpty, "nothing to hand out")
    }
}
