import D8Core
import D8Harness
import Foundation

/// Submit latency of cache hits: one task with data D completes once, then `submits` submits of
/// D over one keep-alive connection, each timed and each expected to answer `cached: true`. The
/// baseline, on the same connection right after: as many submits of data never seen before
/// (misses, each queueing a task that the workers run meanwhile, as a real miss would).
struct CachedSubmits {
    let port: Int
    let meter: CPUMeter
    let submits: Int

    func run() throws -> [String: Any] {
        let connection = RawHTTPConnection.connected(port: port)
        let same = jsonRequest("POST", "/api/tasks/submit", ["type": "echo", "data": ["n": -1, "probe": "cache"]])
        let original = exchange(connection, same)
        guard original.status == 201, let id = original.body["task_id"]?.stringValue else {
            throw ProcessFailure("the original submit answered \(original.status): \(original.body.jsonString.prefix(300))")
        }
        while !finalStatuses.contains(exchange(connection, httpRequest("GET", "/api/tasks/status/\(id)?wait=60")).body["status"]?.stringValue ?? "") {}
        // The first hit is awaited untimed, should the result reach the cache a moment after
        // the task reads completed.
        var warmup = 0
        while exchange(connection, same).body["cached"]?.boolValue != true {
            warmup += 1
            guard warmup < 100 else { throw ProcessFailure("no cache hit in 100 submits of a completed task's data") }
            Thread.sleep(forTimeInterval: 0.01)
        }

        let cpu = meter.read()
        var hits: [Double] = [], notCached = 0
        for _ in 0..<submits {
            let (ms, reply) = timed(connection, same)
            if reply.body["cached"]?.boolValue != true || reply.body["status"]?.stringValue != "completed" { notCached += 1 }
            hits.append(ms)
        }
        let hitCPU = meter.perItem(since: cpu, items: submits)

        let fresh = (0..<submits).map { k in jsonRequest("POST", "/api/tasks/submit", ["type": "echo", "data": ["n": JSONValue(-2 - k), "probe": "cache"]]) }
        var misses: [Double] = [], refused = 0
        for request in fresh {
            let (ms, reply) = timed(connection, request)
            if reply.status != 201 || reply.body["cached"]?.boolValue != false { refused += 1 }
            misses.append(ms)
        }
        return [
            "hit_submit_ms": Stats(hits).json, "hits_not_cached": notCached, "untimed_submits_before_first_hit": warmup,
            "hit_cpu_ms_per_submit": hitCPU,
            "miss_submit_ms": Stats(misses).json, "misses_refused_or_cached": refused,
        ]
    }

    /// Milliseconds from sending `bytes` to having read the whole answer (parsed after the clock).
    private func timed(_ connection: RawHTTPConnection, _ bytes: [UInt8]) -> (ms: Double, reply: (status: Int, body: JSONValue)) {
        let start = ContinuousClock.now
        let response: RawHTTPConnection.Response
        do { response = try connection.request(bytes) } catch { fatalError("POST /api/tasks/submit: \(error)") }
        let ms = elapsed(since: start) * 1000
        return (ms, (response.status, (try? JSONValue.parse(response.body)) ?? .null))
    }
}
