import D8Worker
import Testing

/// The worker's sliding-window rate limits, on explicit times.
@Suite struct RateLimiterTests {
    @Test func unlimitedWithoutLimits() {
        var limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 0)
        #expect(limiter.isUnlimited)
        #expect(limiter.permits(now: 0) == .max)
        #expect(limiter.nextPermit(now: 0) == nil)
    }

    @Test func requestsPerMinuteIsASlidingWindow() {
        var limiter = RateLimiter(requestsPerMinute: 3, tokensPerMinute: nil)
        #expect(limiter.permits(now: 0) == 3)
        limiter.recordStart(at: 0)
        limiter.recordStart(at: 10)
        #expect(limiter.permits(now: 10) == 1)
        limiter.recordStart(at: 20)
        #expect(limiter.permits(now: 20) == 0)
        #expect(limiter.nextPermit(now: 20) == 60, "the start at 0 leaves the window at 60")
        #expect(limiter.permits(now: 59.9) == 0)
        #expect(limiter.permits(now: 60.1) == 1)
        #expect(limiter.permits(now: 80.1) == 3)
    }

    @Test func tokensPerMinuteStopsNewStartsOnceReached() {
        var limiter = RateLimiter(requestsPerMinute: nil, tokensPerMinute: 1000)
        limiter.recordTokens(600, at: 0)
        #expect(limiter.permits(now: 1) == .max)
        limiter.recordTokens(500, at: 30)
        #expect(limiter.permits(now: 31) == 0, "1100 tokens in the window")
        #expect(limiter.nextPermit(now: 31) == 60, "after the first 600 leave, 500 remain: below the limit")
        #expect(limiter.permits(now: 60.5) == .max)
    }

    @Test func bothLimitsWaitForTheLaterOne() {
        var limiter = RateLimiter(requestsPerMinute: 1, tokensPerMinute: 100)
        limiter.recordStart(at: 0)
        limiter.recordTokens(100, at: 5)
        #expect(limiter.permits(now: 6) == 0)
        #expect(limiter.nextPermit(now: 6) == 65)
    }
}
