import D8Client
import D8Core
import D8Harness
import Foundation

/// An HTTP answer of a node, whatever its status: the status, the JSON body (null if none) and
/// d8's error code when it sent one.
struct NodeAnswer: Sendable, CustomStringConvertible {
    let status: Int
    let body: JSONValue
    var code: String? { body["code"]?.stringValue }
    var taskID: String? { body["task_id"]?.stringValue }
    var description: String { "\(status) \(body.jsonString)" }
}

/// Several `d8 serve` nodes (`server.store: postgres`) on a fresh database of their own, one
/// config for all, and the `d8 worker` processes a test starts against them. `shutdown` kills
/// every process and drops the database; call it in a `defer`.
final class PostgresCluster: @unchecked Sendable { // used by one test at a time
    /// Where a node runs: the address it listens on and the program that starts it (d8, or a
    /// script running d8 in a network namespace).
    struct Placement: Sendable {
        var host = "127.0.0.1"
        var binary = D8Binary.url
    }

    struct Node {
        let placement: Placement
        var serve: ServeProcess?
        var port: Int
        /// Its `node_id` in the tables `nodes`, `leaders` and `completions`.
        var nodeID: String
        let logPath: String
        var url: String { "http://\(placement.host):\(port)" }
    }

    let databaseURL: String
    /// True when this cluster made its database (and so drops it).
    private let ownsDatabase: Bool
    let dir: String
    let configPath: String
    /// The nodes' --log-level; their logs go to files (`log(_:)`, `logs()`).
    let logLevel: String
    private(set) var nodes: [Node] = []
    private(set) var workers: [WorkerProcess] = []

    /// `count` nodes started one after the other. `postgres` and `extra` are YAML fragments: more
    /// keys under `server.postgres` (timeout, node_timeout), and further lines under `server:`.
    /// `databaseURL`: a database made elsewhere (not dropped here); a fresh one by default.
    init(nodes count: Int, workerTypes: String = PostgresCluster.echo(), postgres: String = "timeout: 5s\nnode_timeout: 5s",
         server: String = "", queue: String = PostgresCluster.fastQueue, databaseURL: String? = nil,
         placements: [Placement]? = nil, logLevel: String = "info") throws {
        self.logLevel = logLevel
        if let databaseURL {
            self.databaseURL = databaseURL
            ownsDatabase = false
        } else {
            self.databaseURL = try ClusterDatabase.create()
            ownsDatabase = true
        }
        dir = temporaryDirectory()
        configPath = dir + "/d8.yaml"
        let yaml = """
            server:
              store: postgres
              postgres:
                url: \(self.databaseURL)
                pool: 8
            \(postgres.indented(4))
            \(server.indented(2))
            queue:
            \(queue.indented(2))
            worker_types:
            \(workerTypes.indented(2))
            task_types:
              echo: {}
            """
        do {
            try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
            for index in 0..<count {
                let placement = placements?[index] ?? Placement()
                nodes.append(Node(placement: placement, serve: nil, port: 0, nodeID: "", logPath: "\(dir)/node\(index).log"))
                try start(index)
            }
        } catch {
            shutdown()
            throw error
        }
    }

    static let fastQueue = """
        heartbeat_interval: 500ms
        worker_timeout: 2s
        task_timeout: 30s
        retry_backoff: 50ms
        retry_backoff_max: 200ms
        """

    static func echo(delayMs: Int = 0, slots: Int = 1) -> String {
        """
        echo:
          plugin: echo
          slots: \(slots)
          delay_ms: \(delayMs)
        """
    }

    // MARK: Nodes

    func url(_ node: Int) -> String { nodes[node].url }
    var urls: [String] { nodes.map(\.url) }

    /// Starts node `index` (again: on the port it had, so its workers find it where they expect).
    func start(_ index: Int) throws {
        let node = nodes[index]
        FileManager.default.createFile(atPath: node.logPath, contents: nil)
        guard let log = FileHandle(forWritingAtPath: node.logPath) else { throw ProcessFailure("cannot write \(node.logPath)") }
        log.seekToEndOfFile()
        let serve = try ServeProcess.start(dataDir: "\(dir)/data\(index)", config: configPath, port: node.port, logLevel: logLevel,
                                           arguments: ["--host", node.placement.host], binary: node.placement.binary, standardError: log)
        try? log.close()
        nodes[index].serve = serve
        nodes[index].port = serve.port
        // "task store opened" names the node, before the node says it listens.
        let opened = self.log(index).split(separator: "\n").last { $0.contains("task store opened") }
        guard let id = opened.flatMap({ Self.nodeID(in: String($0)) }) else {
            throw ProcessFailure("node \(index) did not say its node id: \(self.log(index).suffix(2000))")
        }
        nodes[index].nodeID = id
    }

    private static func nodeID(in line: String) -> String? {
        guard let range = line.range(of: "node=") else { return nil }
        let id = line[range.upperBound...].prefix { $0.isLetter || $0.isNumber }
        return id.isEmpty ? nil : String(id)
    }

    /// SIGKILL: the node stops at once, saying goodbye to nobody.
    func kill(_ index: Int) {
        nodes[index].serve?.kill()
        nodes[index].serve = nil
    }

    func restart(_ index: Int) throws {
        kill(index)
        try start(index)
    }

    func isRunning(_ index: Int) -> Bool { nodes[index].serve?.process.isRunning ?? false }

    func log(_ index: Int) -> String { (try? String(contentsOfFile: nodes[index].logPath, encoding: .utf8)) ?? "" }

    /// The last lines of every node's log and every worker's, for a failure's message.
    func logs(lines: Int = 30) -> String {
        let nodeLogs = nodes.indices.map { "--- node \($0) (\(nodes[$0].nodeID), \(url($0))):\n" + Self.tail(log($0), lines) }
        let workerLogs = workers.indices.map { "--- worker \($0):\n" + Self.tail(workers[$0].log, lines) }
        return (nodeLogs + workerLogs).joined(separator: "\n")
    }

    private static func tail(_ text: String, _ lines: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The index of the node whose id is `nodeID`.
    func index(ofNode nodeID: String) -> Int? { nodes.firstIndex { $0.nodeID == nodeID } }

    // MARK: Workers

    /// A worker given the URLs of `nodes` in that order (a comma list: it moves to the next when
    /// one stops answering).
    @discardableResult
    func startWorker(type: String = "echo", id: String? = nil, nodes order: [Int], arguments: [String] = []) throws -> WorkerProcess {
        let worker = try WorkerProcess.start(type: type, config: configPath, orchestrator: order.map(url).joined(separator: ","), id: id,
                                             arguments: ["--poll-wait", "2"] + arguments)
        workers.append(worker)
        return worker
    }

    func shutdown() {
        for worker in workers { worker.kill() }
        for index in nodes.indices { kill(index) }
        if ownsDatabase { ClusterDatabase.drop(databaseURL) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    // MARK: HTTP

    /// One request to node `index`; throws when no HTTP answer came.
    func request(_ method: String, _ path: String, on index: Int, body: JSONValue? = nil, timeout: Duration = .seconds(10)) throws -> NodeAnswer {
        try Self.request(method, url(index) + path, body: body, timeout: timeout)
    }

    static func request(_ method: String, _ url: String, body: JSONValue? = nil, timeout: Duration = .seconds(10)) throws -> NodeAnswer {
        var headers = [HTTPHeader(name: "Accept", value: "application/json")]
        if body != nil { headers.append(HTTPHeader(name: "Content-Type", value: "application/json")) }
        switch HTTPTransport.shared.send(method: method, url: url, headers: headers, body: body?.jsonBytes ?? [], timeout: timeout) {
        case let .response(answer):
            return NodeAnswer(status: answer.status, body: (try? JSONValue.parse(answer.body)) ?? .null)
        case let .transportError(reason), let .refused(reason):
            throw ProcessFailure("\(method) \(url): no answer: \(reason)")
        }
    }

    /// Submits an Echo task to node `index`: the whole answer (201 with task_id when accepted).
    func submit(on index: Int, data: JSONValue = ["n": 1], idempotencyKey: String? = nil, timeout: Duration = .seconds(10)) throws -> NodeAnswer {
        var body: [String: JSONValue] = ["type": "echo", "data": data]
        if let idempotencyKey { body["idempotency_key"] = .string(idempotencyKey) }
        return try request("POST", "/api/tasks/submit", on: index, body: .object(body), timeout: timeout)
    }

    /// Submits and returns the task id; throws unless the node accepted it (201).
    func submitted(on index: Int, data: JSONValue = ["n": 1]) throws -> String {
        let answer = try submit(on: index, data: data)
        guard answer.status == 201, let id = answer.taskID else { throw ProcessFailure("node \(index) refused a submit: \(answer)") }
        return id
    }

    /// The task's status as node `index` answers it; `wait` makes it a long-poll.
    func status(_ taskID: String, on index: Int, wait: Int? = nil) throws -> NodeAnswer {
        let query = wait.map { "?wait=\($0)" } ?? ""
        return try request("GET", "/api/tasks/status/\(taskID)\(query)", on: index, timeout: .seconds(Double((wait ?? 0) + 10)))
    }

    func cancel(_ taskID: String, on index: Int) throws -> NodeAnswer {
        try request("POST", "/api/tasks/\(taskID)/cancel", on: index)
    }

    /// Waits until the task is finished, asking node `index`; its last status. (`status` says
    /// "failed" for every unsuccessful end, as D8 did; `d8_status` says which.)
    func waitFinished(_ taskID: String, on index: Int, timeout: Duration = .seconds(20)) async -> JSONValue {
        var last: JSONValue = .null
        _ = await eventually(timeout: timeout, every: .milliseconds(100)) {
            last = try self.status(taskID, on: index).body
            return ["completed", "failed", "dead", "cancelled"].contains(last["d8_status"]?.stringValue ?? "")
        }
        return last
    }

    // MARK: SQL

    @discardableResult
    func sql(_ query: String) throws -> String { try ClusterDatabase.psql(databaseURL, query) }

    func rows(_ query: String) throws -> [[String]] { try ClusterDatabase.rows(databaseURL, query) }

    func count(_ query: String) throws -> Int {
        let text = try sql(query)
        guard let n = Int(text) else { throw ProcessFailure("'\(query)' answered '\(text)', not a number") }
        return n
    }

    /// The holder of the maintainer's lease while it is current, nil when none holds it.
    func maintainer() throws -> String? {
        let holder = try sql("SELECT holder FROM leaders WHERE name = 'maintainer' AND until > extract(epoch FROM clock_timestamp())")
        return holder.isEmpty ? nil : holder
    }
}

extension String {
    func indented(_ spaces: Int) -> String {
        split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : String(repeating: " ", count: spaces) + $0 }
            .joined(separator: "\n")
    }
}
