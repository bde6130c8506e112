import D8Client
import D8Core
import D8Harness
import Foundation

/// The real `d8` processes of a cluster chaos run: `count` `d8 serve` nodes on one database
/// (each restarted on its own port after a SIGKILL, so the workers' URL lists stay valid) and
/// workers given every node's URL, each list in another order. Logs are appended to files in
/// the run's folder. Kills are counted as they land.
final class ChaosNodes: @unchecked Sendable { // driven by the run's one control thread; `urls` is fixed once started
    let d8: URL
    let folder: String
    let configPath: String
    let pluginsDir: String
    let workerTypes: [String]
    private(set) var ports: [Int]
    private(set) var nodeKills = 0
    private(set) var workerKills = 0
    private var nodes: [ServeProcess?]
    private var workers: [WorkerProcess?]

    init(count: Int, folder: String, configPath: String, pluginsDir: String, workerTypes: [String]) {
        d8 = D8Binary.url
        self.folder = folder
        self.configPath = configPath
        self.pluginsDir = pluginsDir
        self.workerTypes = workerTypes
        ports = Array(repeating: 0, count: count)
        nodes = Array(repeating: nil, count: count)
        workers = Array(repeating: nil, count: workerTypes.count)
    }

    var urls: [String] { ports.map { "http://127.0.0.1:\($0)" } }

    /// Starts node `index` (port 0 the first time, its port afterwards); a port still held by
    /// the killed process is retried.
    func startNode(_ index: Int) throws {
        var lastError = ""
        for _ in 0..<100 {
            do {
                let serve = try ServeProcess.start(dataDir: folder + "/data-\(index)", config: configPath, port: ports[index], logLevel: "notice",
                                                   binary: d8, standardError: try appending(to: "node-\(index).log"))
                ports[index] = serve.port
                nodes[index] = serve
                return
            } catch {
                lastError = "\(error)"
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        throw ChaosFailure("node \(index) did not start: \(lastError); see \(folder)/node-\(index).log")
    }

    func killNode(_ index: Int) {
        guard let serve = nodes[index], serve.process.isRunning else { return }
        serve.kill()
        nodeKills += 1
        nodes[index] = nil
    }

    var executionLog: String { folder + "/executions.log" }

    /// Worker `index` gets every node's URL, starting at node `index` (so the workers spread).
    func startWorker(_ index: Int) throws {
        let type = workerTypes[index]
        let list = urls.indices.map { urls[($0 + index) % urls.count] }.joined(separator: ",")
        workers[index] = try WorkerProcess.start(
            type: type, config: configPath, orchestrator: list, id: "chaos-\(type)", arguments: ["--poll-wait", "2", "--log-level", "warning"],
            environment: ["D8_ECHO_EXECUTION_LOG": executionLog], pluginsDir: pluginsDir, logPath: folder + "/worker-\(type).log", binary: d8)
    }

    func killWorker(_ index: Int) {
        guard let worker = workers[index], worker.process.isRunning else { return }
        worker.kill()
        workerKills += 1
        workers[index] = nil
    }

    /// Indices of the workers holding leases now, by every node's worker list.
    func busyWorkers() -> Set<Int> {
        var busy: Set<String> = []
        for url in urls {
            guard case let .success(list) = APIEndpoint(baseURL: url, token: nil).call("GET", "/api/workers/list", timeout: .seconds(2)) else { continue }
            for worker in list["workers"]?.arrayValue ?? [] where (worker["busy_slots"]?.intValue ?? 0) > 0 {
                if let id = worker["worker_id"]?.stringValue { busy.insert(id) }
            }
        }
        return Set(workerTypes.indices.filter { busy.contains("chaos-\(workerTypes[$0])") })
    }

    /// Nodes that exited by themselves (not killed here): index and exit status.
    var exitedNodes: [(Int, Int32)] {
        nodes.enumerated().compactMap { index, node in
            guard let node, !node.process.isRunning else { return nil }
            return (index, node.process.terminationStatus)
        }
    }

    /// SIGTERM to everything: workers first (they hand back what they hold), then the nodes.
    func stopAll() {
        for worker in workers.compactMap({ $0 }) { worker.terminate() }
        for worker in workers.compactMap({ $0 }) where worker.waitForExit(timeout: .seconds(20)) == nil { worker.kill() }
        workers = workers.map { _ in nil }
        for node in nodes.compactMap({ $0 }) { node.terminate() }
        for node in nodes.compactMap({ $0 }) { node.process.waitUntilExit() }
        nodes = nodes.map { _ in nil }
    }

    private func appending(to name: String) throws -> FileHandle {
        let path = folder + "/" + name
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ChaosFailure("cannot write \(path)") }
        handle.seekToEndOfFile()
        return handle
    }
}
