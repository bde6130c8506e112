import D8Core
import D8Harness
import Foundation
import Testing

/// `GET /metrics`: Prometheus' text format with d8's own series, read as Prometheus would.
@Suite("Prometheus metrics")
struct MetricsTests {
    @Test func countsWhatHappenedAndShowsWhatIsWaiting() async throws {
        try await withLiveServer { server in
            let client = server.client
            var ids: [String] = []
            for priority in [5, 5, 9] {
                ids.append(try #require(try await client.submit(data: ["prompt": "metrics"], priority: priority)["task_id"]?.stringValue))
            }
            let before = Exposition(try await client.get("/metrics").text)
            #expect(before["d8_queue_depth", ["task_type": "echo", "priority": "9"]] == 1)
            #expect(try await client.register("m-1", slots: 2).status == 200)
            let leased = try await client.poll("m-1", max: 2)["tasks"]?.arrayValue ?? []
            #expect(leased.count == 2)
            let usage: [String: JSONValue] = ["model": "m-small", "usage": ["input_tokens": 120, "output_tokens": 30], "cost_usd": 0.002]
            #expect(try await client.report(leased[0], worker: "m-1", extra: usage).status == 200)
            #expect(try await client.report(leased[1], worker: "m-1", success: false, output: "", extra: ["error": "bad request", "retryable": false]).status == 200)

            let reply = try await client.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true)
            let text = reply.text
            let m = Exposition(text)
            #expect(m["d8_tasks_submitted_total", ["task_type": "echo"]] == 3)
            #expect(m["d8_tasks_finished_total", ["task_type": "echo", "outcome": "completed"]] == 1)
            #expect(m["d8_tasks_finished_total", ["task_type": "echo", "outcome": "failed"]] == 1)
            #expect(m["d8_queue_depth", ["task_type": "echo", "priority": "5"]] == 1, "the 9 went first; one 5 waits")
            #expect(m["d8_queue_depth", ["task_type": "echo", "priority": "9"]] == 0, "a queue that emptied reads 0")
            #expect((m["d8_queue_oldest_age_seconds", ["task_type": "echo", "priority": "5"]] ?? -1) >= 0)
            #expect(m["d8_tasks_live", ["status": "pending"]] == 1)
            #expect(m["d8_provider_calls_total", ["worker_type": "echo", "model": "m-small", "outcome": "success"]] == 1)
            #expect(m["d8_provider_tokens_total", ["worker_type": "echo", "model": "m-small", "direction": "input"]] == 120)
            #expect(m["d8_provider_tokens_total", ["worker_type": "echo", "model": "m-small", "direction": "output"]] == 30)
            #expect(m["d8_provider_cost_usd_total", ["worker_type": "echo", "model": "m-small"]] == 0.002)
            #expect(m["d8_workers", ["worker_type": "echo"]] == 1)
            #expect(m["d8_worker_slots_free", ["worker_type": "echo"]] == 2)
            #expect(m["d8_provider_time_to_first_token_seconds_count", ["worker_type": "echo", "model": "m-small"]] == 1)
            #expect(m["d8_task_queue_wait_seconds_count", ["task_type": "echo"]] == 2)
            #expect(m["d8_task_run_seconds_count", ["task_type": "echo"]] == 2)
            #expect(m["d8_http_requests_total", ["route": "/api/tasks/submit", "method": "POST", "status": "201"]] == 3)
            #expect((m["d8_http_request_duration_seconds_count", ["route": "/api/tasks/submit", "method": "POST"]] ?? 0) == 3)

            // Prometheus' conventions: a d8_ prefix, _total on counters, and no unbounded label.
            for (name, type) in m.types {
                #expect(name.hasPrefix("d8_"), "\(name)")
                #expect((type == "counter") == name.hasSuffix("_total"), "\(name) is a \(type)")
            }
            for id in ids { #expect(!text.contains(id), "a task id in the metrics") }
            #expect(!text.contains("m-1"), "a worker id in the metrics")
        }
    }

    @Test func anUnknownPathCountsAsUnmatchedNotAsItsPath() async throws {
        try await withLiveServer { server in
            for n in 0..<3 { _ = try await server.client.get("/no/such/path/\(n)") }
            let m = Exposition(try await server.client.get("/metrics").text)
            #expect(m["d8_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]] == 3)
            #expect(m.series.allSatisfy { !$0.contains("/no/such") })
        }
    }

    /// `server.metrics: false`: nothing is counted and there is nothing to scrape.
    @Test func metricsCanBeTurnedOff() async throws {
        try await withLiveServer({ $0.server.metrics = false }) { server in
            _ = try await server.client.submit()
            let reply = try await server.client.get("/metrics")
            #expect(reply.status == 404)
        }
        let loaded = try D8Config.parse(yaml: "server: { metrics: false }", file: "d8.yaml", environment: [:])
        #expect(loaded.config.server.metrics == false)
    }

    @Test func withKeysOnlyAnAdminKeyMayScrape() async throws {
        try await withLiveServer({ config in
            config.auth.clientKeys = [ClientKey(name: "app", key: "ck-metrics-1"), ClientKey(name: "ops", key: "ak-metrics-1", isAdmin: true)]
        }) { server in
            #expect(try await server.client(nil).get("/metrics").status == 401)
            let refused = try await server.client("ck-metrics-1").get("/metrics")
            #expect(refused.status == 403 && refused["error"]?.stringValue?.contains("admin key") == true)
            #expect(try await server.client("ak-metrics-1").get("/metrics").status == 200)
        }
    }
}

/// Prometheus' text format, parsed: each sample by its name and labels, and each family's TYPE.
struct Exposition {
    private(set) var samples: [String: Double] = [:]
    private(set) var types: [String: String] = [:]
    var series: [String] { Array(samples.keys) }

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                if parts.count >= 4 { types[String(parts[2])] = String(parts[3]) }
                continue
            }
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[Self.key(String(line[..<space]))] = value
        }
    }

    subscript(name: String, labels: [String: String]) -> Double? {
        samples[Self.key(name: name, labels: labels)]
    }

    /// `name{b="2",a="1"}` as `name{a="1",b="2"}`: labels in a fixed order.
    private static func key(_ series: String) -> String {
        guard let open = series.firstIndex(of: "{") else { return series }
        let name = String(series[..<open])
        let body = series[series.index(after: open)..<series.index(before: series.endIndex)]
        var labels: [String: String] = [:]
        for pair in body.split(separator: ",") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { labels[String(kv[0])] = String(kv[1].dropFirst().dropLast()) }
        }
        return key(name: name, labels: labels)
    }

    private static func key(name: String, labels: [String: String]) -> String {
        labels.isEmpty ? name : name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}

extension HTTPTestClient.Reply {
    /// A body that is not JSON, as text.
    var text: String { body.stringValue ?? "" }
}
