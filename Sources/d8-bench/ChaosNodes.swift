import D8Harness
import Foundation

/// The real `d8` processes of a cluster chaos run: `count` `d8 serve` nodes on one database
/// (each restarted on its own port after a SIGKILL, so the workers' URL lists stay valid) and
/// the workers, given every node's URL, each list in another order. Logs are appended to files
/// in the run's folder. Kills are counted as they land.
final class ChaosNodes: @unchecked Sendable { // driven by the run's one control thread; `urls` is fixed once started
    let d8: URL
    let folder: String
    let configPath: String
    let workers: ChaosWorkers
    private(set) var ports: [Int]
    private(set) var nodeKills = 0
    private var nodes: [ServeProcess?]

    init(count: Int, folder: String, configPath: String, pluginsDir: String, workerTypes: [String]) {
        d8 = D8Binary.url
        self.folder = folder
        self.configPath = configPath
        workers = ChaosWorkers(folder: folder, configPath: configPath, pluginsDir: pluginsDir, types: workerTypes)
        ports = Array(repeating: 0, count: count)
        nodes = Array(repeating: nil, count: count)
    }

    var urls: [String] { ports.map { "http://127.0.0.1:\($0)" } }

    /// Starts node `index` (port 0 the first time, its port afterwards); a port still held by
    /// the killed process is retried.
    func startNode(_ index: Int) throws {
        var lastError = ""
        for _ in 0..<100 {
            do {
                let serve = try ServeProcess.start(dataDir: folder + "/data-\(index)", config: configPath, port: ports[index], logLevel: "notice",
                                                   binary: d8, standardError: try appendingLog("node-\(index).log", in: folder))
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

    /// Worker `index` gets every node's URL, starting at node `index` (so the workers spread).
    func startWorker(_ index: Int) throws {
        try workers.start(index, orchestrator: urls.indices.map { urls[($0 + index) % urls.count] }.joined(separator: ","))
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
        workers.stopAll()
        for node in nodes.compactMap({ $0 }) { node.terminate() }
        for node in nodes.compactMap({ $0 }) { node.process.waitUntilExit() }
        nodes = nodes.map { _ in nil }
    }
}
