import D8Core
import D8Server
import D8Harness
import Foundation
import Hummingbird
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real orchestrator on a loopback port chosen by the system, with its own data folder.
final class LiveServer: Sendable {
    let port: Int
    let dataDir: String
    private let run: Task<Void, any Error>

    static func start(_ configure: (inout D8Config) -> Void = { _ in }) async throws -> LiveServer {
        var config = D8Config.embeddedDefault
        config.server.port = 0
        config.server.dataDir = temporaryDirectory()
        config.queue.retryBackoff = .milliseconds(20)
        configure(&config)
        return try await start(config: config)
    }

    static func start(config: D8Config) async throws -> LiveServer {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try await buildApplication(ServerArguments(config: config, logLevel: .critical)) { port in
            continuation.yield(port)
        }
        let run = Task { try await app.run() }
        guard let port = await ports.first(where: { _ in true }) else { throw CocoaError(.fileNoSuchFile) }
        return LiveServer(port: port, dataDir: config.server.dataDir, run: run)
    }

    private init(port: Int, dataDir: String, run: Task<Void, any Error>) {
        self.port = port
        self.dataDir = dataDir
        self.run = run
    }

    func stop() async {
        run.cancel()
        _ = try? await run.value
    }

    var client: HTTPTestClient { HTTPTestClient(port: port) }
    func client(_ token: String?) -> HTTPTestClient { HTTPTestClient(port: port, token: token) }
}

/// Runs `body` against a fresh `LiveServer` and stops it (awaited) when `body` returns or throws.
func withLiveServer<T>(_ configure: (inout D8Config) -> Void = { _ in }, run body: (LiveServer) async throws -> T) async throws -> T {
    try await stopping(try await LiveServer.start(configure), body)
}

func withLiveServer<T>(config: D8Config, run body: (LiveServer) async throws -> T) async throws -> T {
    try await stopping(try await LiveServer.start(config: config), body)
}

/// A server that `stopping` can tear down.
protocol StoppableServer { func stop() async }
extension LiveServer: StoppableServer {}

/// Runs `body` with `server`, then awaits `server.stop()`, on success or error alike.
func stopping<S: StoppableServer, T>(_ server: S, _ body: (S) async throws -> T) async throws -> T {
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A small HTTP client for tests: JSON in, status and JSON out.
struct HTTPTestClient: Sendable {
    let port: Int
    var token: String?

    struct Reply: Sendable {
        let status: Int
        let body: JSONValue
        let headers: [String: String]
        subscript(key: String) -> JSONValue? { body[key] }
    }

    func get(_ path: String) async throws -> Reply { try await send("GET", path) }

    func post(_ path: String, _ json: JSONValue? = nil) async throws -> Reply {
        try await send("POST", path, body: json.map { $0.jsonData }, contentType: json == nil ? nil : "application/json")
    }

    func send(_ method: String, _ path: String, body: Data? = nil, contentType: String? = nil, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        let json = data.isEmpty ? JSONValue.null : ((try? JSONValue.parse(data)) ?? .string(String(decoding: data, as: UTF8.self)))
        var fields: [String: String] = [:]
        for (name, value) in http.allHeaderFields { fields["\(name)".lowercased()] = "\(value)" }
        return Reply(status: http.statusCode, body: json, headers: fields)
    }

    // The protocol's steps, as a D8 worker and client take them.

    @discardableResult
    func register(_ worker: String, type: String = "echo", slots: Int = 1) async throws -> Reply {
        try await post("/api/workers/register", ["worker_id": .string(worker), "worker_type": .string(type), "capabilities": ["slots": JSONValue(slots)]])
    }

    func submit(_ type: String = "echo", data: JSONValue = ["prompt": "hi"], priority: Int? = nil, key: String? = nil) async throws -> Reply {
        var body: [String: JSONValue] = ["type": .string(type), "data": data]
        if let priority { body["priority"] = JSONValue(priority) }
        if let key { body["idempotency_key"] = .string(key) }
        return try await post("/api/tasks/submit", .object(body))
    }

    func poll(_ worker: String, wait: Double = 0, max: Int? = nil) async throws -> Reply {
        try await get("/api/workers/\(worker)/tasks?wait=\(wait)" + (max.map { "&max=\($0)" } ?? ""))
    }

    func report(_ task: JSONValue, worker: String, success: Bool = true, output: String = "done", extra: [String: JSONValue] = [:]) async throws -> Reply {
        var result: [String: JSONValue] = ["success": .bool(success), "output": .string(output)]
        result.merge(extra) { _, new in new }
        guard let id = task["task_id"]?.stringValue else { throw CocoaError(.featureUnsupported, userInfo: ["reason": "no task to report: \(task)"]) }
        return try await post("/api/tasks/\(id)/result", ["worker_id": .string(worker), "lease": task["lease"] ?? .null, "result": .object(result)])
    }

    func status(_ taskID: String) async throws -> Reply { try await get("/api/tasks/status/\(taskID)") }

    /// Registers `worker`, submits one task and leases it: the start of most lifecycle tests.
    func leaseOne(worker: String = "w") async throws -> (id: String, task: JSONValue) {
        try await register(worker)
        guard let id = try await submit()["task_id"]?.stringValue,
              let task = try await poll(worker)["task"], task != .null else { throw CocoaError(.featureUnsupported) }
        return (id, task)
    }
}
