import D8Core
import D8Harness
import Foundation
import Testing

/// Hostile input, at volume: hand-made cases from the OpenAPI document and seeded random ones,
/// over raw sockets. Nothing may answer 5xx, every 4xx is d8's error shape, no secret leaks,
/// the server keeps answering /health and its memory stays bounded.
@Suite("Fuzz")
struct FuzzTests {
    static let clientKey = "ck-fuzz-5d2e9a"
    static let workerToken = "wt-fuzz-81c3f0"
    static let adminKey = "ak-fuzz-44b7d1"
    static let maxBody = 256 * 1024
    static let seed: UInt64 = 0xD8F0_22ED

    static func configure(_ config: inout D8Config) {
        config.auth.clientKeys = [ClientKey(name: "fuzz", key: clientKey), ClientKey(name: "fuzz-ops", key: adminKey, isAdmin: true)]
        config.auth.workerToken = workerToken
        config.server.maxBodyBytes = maxBody
        config.server.durability = .process // fsync is not what this test is about
    }

    /// What went wrong with one answer, or nil when it keeps every rule.
    static func check(_ fuzz: FuzzCase, _ answer: Result<RawHTTPConnection.Response, RawHTTPConnection.Failure>, codes: Set<String>) -> String? {
        let response: RawHTTPConnection.Response
        switch (answer, fuzz.expect) {
        case (.failure(.closed), .protocolError): return nil
        case (.failure(let failure), _): return "\(fuzz.label): \(failure)"
        case (.success(let r), _): response = r
        }
        let text = String(decoding: response.body, as: UTF8.self)
        if response.status >= 500 { return "\(fuzz.label): \(response.status) \(text.prefix(200))" }
        if text.contains(clientKey) || text.contains(workerToken) || text.contains(adminKey) { return "\(fuzz.label): a secret in the answer" }
        switch fuzz.expect {
        case .anything: break
        case .protocolError:
            if !(400..<500).contains(response.status) { return "\(fuzz.label): malformed HTTP answered \(response.status)" }
            return nil // refused by the HTTP layer, before d8's router
        case let .clientError(why):
            if !(400..<500).contains(response.status) { return "\(fuzz.label): \(response.status) for a body \(why)" }
        case let .status(status, expected):
            if response.status != status { return "\(fuzz.label): \(response.status) instead of \(status): \(text.prefix(200))" }
            if !expected.isEmpty, let code = (try? JSONValue.parse(response.body))?["code"]?.stringValue, !expected.contains(code) {
                return "\(fuzz.label): code \(code), expected one of \(expected.sorted())"
            }
        }
        if (400..<500).contains(response.status), !fuzz.head, fuzz.label.split(separator: " ").prefix(3).contains(where: { $0.hasPrefix("/v1/") }) {
            // The front door answers in OpenAI's shape, which the SDKs read.
            let error = (try? JSONValue.parse(response.body))?["error"]
            guard error?["message"]?.stringValue?.isEmpty == false, error?["type"]?.stringValue != nil else {
                return "\(fuzz.label): \(response.status) without OpenAI's error shape: \(text.prefix(200))"
            }
        } else if (400..<500).contains(response.status), !fuzz.head {
            let body = try? JSONValue.parse(response.body)
            guard body?["error"]?.stringValue?.isEmpty == false, let code = body?["code"]?.stringValue, codes.contains(code) else {
                return "\(fuzz.label): \(response.status) without d8's error shape: \(text.prefix(200))"
            }
        }
        return nil
    }

    /// Task and worker ids seen so far, for random requests to use; one thread reads and writes it.
    final class IDs {
        var all = ["w1", "w2", "t1"]
    }

    struct Report: Sendable {
        var requests = 0
        var healthChecks = 0
        var failures: [String] = []
    }

    /// Sends every case on a keep-alive connection (a new one after the server closes it) and
    /// checks /health on a fresh connection every 500 requests.
    static func run(port: Int, cases: some Sequence<FuzzCase>, codes: Set<String>, ids: IDs, into report: inout Report) {
        var connection: RawHTTPConnection?
        for fuzz in cases {
            do {
                let current = try connection ?? RawHTTPConnection(port: port)
                connection = current
                let answer = Result { () throws(RawHTTPConnection.Failure) in try current.request(fuzz.bytes, head: fuzz.head) }
                report.requests += 1
                if let failure = check(fuzz, answer, codes: codes) { report.failures.append(failure) }
                switch answer {
                case .success(let r) where r.header("connection")?.lowercased() != "close":
                    if let id = (try? JSONValue.parse(r.body))?["task_id"]?.stringValue { ids.all.append(id) }
                default: connection = nil
                }
            } catch {
                report.failures.append("\(fuzz.label): \(error)")
                connection = nil
            }
            if report.requests % 500 == 0 {
                report.healthChecks += 1
                let health = Result { try RawHTTPConnection(port: port).request(httpRequest("GET", "/health")) }
                if (try? health.get().status) != 200 { report.failures.append("no /health after \(report.requests) requests: \(health)") }
            }
            if report.failures.count > 200 { break }
        }
    }

    @Test func tenThousandHostileRequests() async throws {
        try await withLiveServer(Self.configure) { server in
            let spec = APISpec.shared
            let codes = Set(spec.errorCodes)
            #expect(codes.count >= 15)
            let rssBefore = ProcessUsage.current.residentBytes
            let started = ContinuousClock.now
            let port = server.port
            let report = try await onThread {
                var corpus = FuzzCorpus(spec: spec, maxBody: Self.maxBody, clientKey: Self.clientKey, adminKey: Self.adminKey, workerToken: Self.workerToken, rng: SeededGenerator(seed: Self.seed))
                let handMade = corpus.wrongTypes() + corpus.truncations() + corpus.malformedJSON() + corpus.invalidUTF8()
                    + corpus.deepNesting() + corpus.hugeBodies() + corpus.unknownRoutes() + corpus.headerAbuse() + corpus.protocolAbuse()
                // Workers and tasks that exist, so random requests reach past the 404s.
                let ids = IDs()
                var report = Report()
                Self.run(port: port, cases: handMade, codes: codes, ids: ids, into: &report)
                let random = (0..<max(0, 10_000 - report.requests)).lazy.map { _ in corpus.random(ids: ids.all) }
                Self.run(port: port, cases: random, codes: codes, ids: ids, into: &report)
                return report
            }
            let growth = ProcessUsage.current.residentBytes - rssBefore
            print("fuzz: \(report.requests) requests, \(report.healthChecks) health checks, RSS +\(growth >> 20) MiB, \(ContinuousClock.now - started)")
            #expect(report.failures.isEmpty, "\(report.failures.count) failures:\n\(report.failures.prefix(200).joined(separator: "\n"))")
            #expect(report.requests >= 10_000)
            #expect(report.healthChecks >= 20)
            #expect(growth < 200 << 20, "resident memory grew by \(growth >> 20) MiB")
        }
    }

    /// Clients that send a request a byte at a time, and one that stops halfway: the server
    /// keeps answering others meanwhile and answers the slow ones correctly.
    @Test func slowClientsDoNotStallTheServer() async throws {
        try await withLiveServer(Self.configure) { server in
            let port = server.port
            let submit = httpRequest("POST", "/api/tasks/submit", headers: [("Authorization", "Bearer \(Self.clientKey)"), ("Content-Type", "application/json")],
                                     body: Array(#"{"type":"echo","data":{"prompt":"slow"}}"#.utf8))
            // async let: structured, so both are awaited even when a check below throws.
            async let slow: [Int] = withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await onThread {
                            let connection = try RawHTTPConnection(port: port)
                            for byte in submit {
                                connection.send([byte])
                                usleep(4_000)
                            }
                            return try connection.readResponse().status
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            async let stalled: Int = onThread {
                let connection = try RawHTTPConnection(port: port)
                connection.send(Array(submit.prefix(40)))
                sleep(2)
                return 0
            }
            // Meanwhile, each /health answers at once.
            for _ in 0..<10 {
                let asked = ContinuousClock.now
                let status = try await onThread { try RawHTTPConnection(port: port, timeout: .seconds(2)).request(httpRequest("GET", "/health")).status }
                #expect(status == 200)
                #expect(ContinuousClock.now - asked < .seconds(1))
                try await Task.sleep(for: .milliseconds(100))
            }
            for status in try await slow { #expect(status == 201) }
            _ = try await stalled
            #expect(try await server.client.get("/health").status == 200)
        }
    }
}
