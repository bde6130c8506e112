/// Polls `condition` until it holds or `timeout` passes; for waiting on background work (a
/// reaper, a lease expiry, a process), never for timing a result. A condition that throws
/// counts as not yet true.
public func eventually(timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(25), _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: interval)
    }
    return (try? await condition()) == true
}
