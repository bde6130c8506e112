import D8Client
import D8Core
import D8Harness
import Foundation

/// A real orchestrator process on a loopback port with its own config file and data folder,
/// and the worker processes a test starts against it. Everything is killed at `shutdown`.
final class Cluster: @unchecked Sendable { // used by one test at a time
    let configPath: String
    let dataDir: String
    private(set) var serve: ServeProcess
    private(set) var workers: [WorkerProcess] = []

    /// `workerTypes` and `extra` are YAML fragments: the entries under `worker_types:` and any
    /// further top-level sections. The queue runs on short timers; the built-in task types and
    /// `echo` go to every worker type.
    init(workerTypes: String, extra: String = "task_types:\n  echo: {}", queue: String = Cluster.fastQueue) throws {
        let dir = temporaryDirectory()
        dataDir = dir + "/data"
        configPath = dir + "/d8.yaml"
        let yaml = """
            queue:
            \(queue.indented(2))
            worker_types:
            \(workerTypes.indented(2))
            \(extra)
            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        serve = try ServeProcess.start(dataDir: dataDir, config: configPath)
    }

    static let fastQueue = """
        heartbeat_interval: 500ms
        worker_timeout: 2s
        task_timeout: 30s
        retry_backoff: 50ms
        retry_backoff_max: 200ms
        """

    var url: String { serve.url }
    var api: APIEndpoint { APIEndpoint(baseURL: url, token: nil) }

    /// `orchestrator`: the URL (or comma-separated list) the worker is given; this cluster's own by default.
    @discardableResult
    func startWorker(type: String, id: String? = nil, orchestrator: String? = nil, arguments: [String] = [], environment: [String: String] = [:]) throws -> WorkerProcess {
        let worker = try WorkerProcess.start(
            type: type, config: configPath, orchestrator: orchestrator ?? url, id: id,
            arguments: ["--poll-wait", "2"] + arguments, environment: environment)
        workers.append(worker)
        return worker
    }

    /// Kills the orchestrator with SIGKILL and starts it again on the same port and data.
    func restartOrchestrator() throws {
        serve.kill()
        serve = try ServeProcess.start(dataDir: dataDir, config: configPath, port: serve.port)
    }

    func killOrchestrator() { serve.kill() }

    func shutdown() {
        for worker in workers { worker.kill() }
        serve.kill()
    }

    // MARK: The API, as a client sees it

    func submit(_ type: String, data: JSONValue, priority: Int = 5) throws -> String {
        let answer = try api.call("POST", "/api/tasks/submit", body: ["type": .string(type), "data": data, "priority": JSONValue(priority)], timeout: .seconds(10)).get()
        guard let id = answer["task_id"]?.stringValue else { throw ProcessFailure("submit answered without task_id: \(answer.jsonString)") }
        return id
    }

    func status(_ taskID: String) throws -> JSONValue {
        try api.call("GET", "/api/tasks/status/\(taskID)", timeout: .seconds(10)).get()
    }

    func workerList() throws -> [JSONValue] {
        try api.call("GET", "/api/workers/list", timeout: .seconds(10)).get()["workers"]?.arrayValue ?? []
    }

    /// Waits until the task is finished (completed, failed, dead or cancelled); its status.
    func waitFinished(_ taskID: String, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        var last: JSONValue = .null
        let done = await eventually(timeout: timeout) {
            last = (try? self.status(taskID)) ?? .null
            return ["completed", "failed", "dead", "cancelled"].contains(last["status"]?.stringValue ?? "")
        }
        guard done else { throw ProcessFailure("task \(taskID) did not finish in \(timeout): \(last.jsonString)") }
        return last
    }
}

extension String {
    func indented(_ spaces: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: spaces) + $0 }.joined(separator: "\n")
    }
}
