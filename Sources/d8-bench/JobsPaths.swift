import D8Core
import D8Harness
import Dispatch
import Foundation
import Synchronization

/// The two ways a client gets N tasks done: one job and one long-poll on it, or N submits and N
/// task long-polls. Both time from the first request out to the last answer that says every task
/// is finished, and both pre-encode their requests before the clock starts (the body is the
/// client's business; its connection and the gateway's answers are what is measured).
struct JobPaths {
    let port: Int
    let meter: CPUMeter

    /// `POST /api/jobs` with `tasks` echo tasks, then `GET /api/jobs/{id}?wait=60&results=true`
    /// until it answers `done: true` (with every result, as a client collecting them would).
    func job(tasks: Int, offset: Int) throws -> [String: Any] {
        let connection = RawHTTPConnection.connected(port: port)
        let items = (0..<tasks).map { i in JSONValue.object(["type": "echo", "data": ["n": JSONValue(offset + i)]]) }
        let submit = jsonRequest("POST", "/api/jobs", ["name": "bench", "tasks": .array(items)])
        let cpu = meter.read()
        let start = ContinuousClock.now
        let created = exchange(connection, submit)
        guard created.status == 201, let id = created.body["job_id"]?.stringValue else {
            throw ProcessFailure("POST /api/jobs answered \(created.status): \(created.body.jsonString.prefix(300))")
        }
        let submitted = elapsed(since: start)
        var polls = 0, answerBytes = 0
        var view = JSONValue.null
        repeat {
            let reply = exchange(connection, httpRequest("GET", "/api/jobs/\(id)?wait=60&results=true"))
            (view, answerBytes, polls) = (reply.body, reply.bytes, polls + 1)
        } while view["done"]?.boolValue != true
        let seconds = elapsed(since: start)
        let cpuPerTask = meter.perItem(since: cpu, items: tasks)
        guard view["results"]?.arrayValue?.count == tasks else { throw ProcessFailure("the finished job holds \(view["results"]?.arrayValue?.count ?? 0) results, not \(tasks)") }
        return [
            "seconds": round3(seconds), "tasks_per_second": (Double(tasks) / seconds).rounded(),
            "submit_answered_seconds": round3(submitted), "job_long_polls": polls, "final_answer_bytes": answerBytes,
            "completed": view["counts"]?["completed"]?.intValue ?? -1, "failures": view["failures"]?.intValue ?? -1,
            "cpu_ms_per_task": cpuPerTask,
        ]
    }

    /// `connections` keep-alive connections, each submitting its share of the tasks one
    /// `POST /api/tasks/submit` at a time, then long-polling `GET /api/tasks/status/{id}?wait=60`
    /// for each of them until its `status` is final: a fair fight for a pool of client threads.
    func separate(tasks: Int, offset: Int, connections: Int) throws -> [String: Any] {
        let pool = (0..<connections).map { _ in RawHTTPConnection.connected(port: port) }
        let shares: [[[UInt8]]] = (0..<connections).map { c in
            stride(from: c, to: tasks, by: connections).map { i in
                jsonRequest("POST", "/api/tasks/submit", ["type": "echo", "data": ["n": JSONValue(offset + i)]])
            }
        }
        let refused = Atomic<Int>(0), failed = Atomic<Int>(0), polls = Atomic<Int>(0)
        let allSubmitted = Mutex<Double>(0)
        let group = DispatchGroup()
        let cpu = meter.read()
        let start = ContinuousClock.now
        // Threads of their own, not concurrentPerform: its width is the core count, and a
        // blocked connection would hold a core's turn.
        for (connection, share) in zip(pool, shares) {
            group.enter()
            Thread {
                var ids: [String] = []
                for request in share {
                    let reply = exchange(connection, request)
                    guard reply.status == 201, let id = reply.body["task_id"]?.stringValue else { refused.add(1, ordering: .relaxed); continue }
                    ids.append(id)
                }
                let submitted = elapsed(since: start)
                allSubmitted.withLock { $0 = max($0, submitted) }
                for id in ids {
                    while true {
                        polls.add(1, ordering: .relaxed)
                        let status = exchange(connection, httpRequest("GET", "/api/tasks/status/\(id)?wait=60")).body["status"]?.stringValue ?? ""
                        guard finalStatuses.contains(status) else { continue }
                        if status != "completed" { failed.add(1, ordering: .relaxed) }
                        break
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        let seconds = elapsed(since: start)
        let cpuPerTask = meter.perItem(since: cpu, items: tasks)
        guard refused.load(ordering: .relaxed) == 0 else { throw ProcessFailure("\(refused.load(ordering: .relaxed)) submits refused") }
        return [
            "seconds": round3(seconds), "tasks_per_second": (Double(tasks) / seconds).rounded(), "connections": connections,
            "all_submits_answered_seconds": round3(allSubmitted.withLock { $0 }), "status_long_polls": polls.load(ordering: .relaxed),
            "failures": failed.load(ordering: .relaxed), "cpu_ms_per_task": cpuPerTask,
        ]
    }
}

/// A JSON request as bytes, ready to send.
func jsonRequest(_ method: String, _ path: String, _ body: JSONValue) -> [UInt8] {
    httpRequest(method, path, headers: [("Content-Type", "application/json")], body: body.jsonBytes)
}

/// Sends pre-encoded `bytes` and parses the answer; a broken connection ends the run, as in
/// the other load generators.
func exchange(_ connection: RawHTTPConnection, _ bytes: [UInt8]) -> (status: Int, body: JSONValue, bytes: Int) {
    do {
        let response = try connection.request(bytes)
        return (response.status, (try? JSONValue.parse(response.body)) ?? .null, response.body.count)
    } catch {
        fatalError("\(String(decoding: bytes.prefix(60), as: UTF8.self)): \(error)")
    }
}
