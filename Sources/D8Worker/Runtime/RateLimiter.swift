/// A provider's per-minute limits, kept on the worker's side so that a free tier's limit
/// becomes queue wait instead of 429s: the worker leases no more tasks than it may start.
///
/// A sliding window (not a token bucket): at most `requestsPerMinute` starts in any 60 s, and
/// no new start while the tokens used in the last 60 s reach `tokensPerMinute`. Tokens are only
/// known after a task ends, so the token limit can be passed by the tasks already running,
/// never by new ones. A value type over explicit times, so tests need no clock.
public struct RateLimiter: Sendable {
    public let requestsPerMinute: Int?
    public let tokensPerMinute: Int?
    private var starts: [Double] = []           // seconds, oldest first
    private var tokens: [(at: Double, count: Int)] = []
    static let window = 60.0

    public init(requestsPerMinute: Int?, tokensPerMinute: Int?) {
        self.requestsPerMinute = requestsPerMinute.flatMap { $0 > 0 ? $0 : nil }
        self.tokensPerMinute = tokensPerMinute.flatMap { $0 > 0 ? $0 : nil }
    }

    public var isUnlimited: Bool { requestsPerMinute == nil && tokensPerMinute == nil }

    /// How many tasks may start now (Int.max when unlimited).
    public mutating func permits(now: Double) -> Int {
        forget(before: now - Self.window)
        if let tpm = tokensPerMinute, tokens.reduce(0, { $0 + $1.count }) >= tpm { return 0 }
        guard let rpm = requestsPerMinute else { return .max }
        return max(0, rpm - starts.count)
    }

    /// When the next permit frees up, if none is free now.
    public mutating func nextPermit(now: Double) -> Double? {
        guard permits(now: now) == 0 else { return nil }
        var candidates: [Double] = []
        if let rpm = requestsPerMinute, starts.count >= rpm { candidates.append(starts[starts.count - rpm] + Self.window) }
        if let tpm = tokensPerMinute {
            // The moment enough of the oldest usage leaves the window to fall below the limit.
            var used = tokens.reduce(0) { $0 + $1.count }
            for entry in tokens where used >= tpm {
                used -= entry.count
                if used < tpm { candidates.append(entry.at + Self.window) }
            }
        }
        return candidates.max()
    }

    public mutating func recordStart(at now: Double) {
        if requestsPerMinute != nil { starts.append(now) }
    }

    public mutating func recordTokens(_ count: Int, at now: Double) {
        if tokensPerMinute != nil, count > 0 { tokens.append((now, count)) }
    }

    private mutating func forget(before cutoff: Double) {
        if let keep = starts.firstIndex(where: { $0 > cutoff }) { starts.removeFirst(keep) } else { starts.removeAll() }
        if let keep = tokens.firstIndex(where: { $0.at > cutoff }) { tokens.removeFirst(keep) } else { tokens.removeAll() }
    }
}
