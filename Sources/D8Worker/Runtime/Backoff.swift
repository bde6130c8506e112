/// Exponential backoff with jitter for reaching the orchestrator again: 0.5 s, doubling up to
/// 10 s, each delay drawn from its upper half so that a fleet of workers does not reconnect in step.
struct Backoff {
    static let first = 0.5, ceiling = 10.0
    private var attempt = 0

    mutating func next() -> Double {
        let delay = min(Self.ceiling, Self.first * Double(1 << min(attempt, 10)))
        attempt += 1
        return delay * Double.random(in: 0.5...1.0)
    }

    mutating func reset() { attempt = 0 }
}
