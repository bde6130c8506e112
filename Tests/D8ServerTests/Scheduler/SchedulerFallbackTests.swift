@testable import D8Server
import D8Core
import Testing

/// Fallback as plain values: a retry goes first to a worker type that has not failed the task.
@Suite("Scheduler: fallback")
struct SchedulerFallbackTests {
    @Test func aFailedWorkerTypeIsTriedAgainOnlyAfterTheOthersAndTheOthersGoAtOnce() throws {
        var h = try SchedulerHarness { config in
            var duo = TaskTypeConfig(name: "duo", route: ["dear", "cheap"])
            duo.strategy = .ordered
            config.taskTypes.append(duo)
        }
        let id = try h.submit("duo", data: ["prompt": "hi"])
        try h.register("d", type: "dear")
        try h.register("c", type: "cheap")
        let first = try #require(try h.lease("d").first, "ordered: dear first")
        _ = try h.report(first, success: false, extra: ["error": "HTTP 503", "retryable": true])
        // No backoff: the next type of the route is free to take it now.
        _ = h.advance(0)
        #expect(try h.lease("d").isEmpty, "the type that failed it waits behind the others")
        let second = try #require(try h.lease("c").first)
        #expect(second.record.taskID == id && second.record.attempt == 2)
        _ = try h.report(second, success: false, extra: ["error": "HTTP 503", "retryable": true])
        // Every type of the route has failed it once: the backoff applies again.
        _ = h.advance(0)
        #expect(try h.lease("c").isEmpty && h.lease("d").isEmpty)
        _ = h.advance(10)
        #expect(try h.lease("d").first?.record.taskID == id)
    }
}
