import D8Harness
import Foundation

/// The real `d8` processes of a chaos run: one orchestrator (restarted on its port and data
/// folder after each SIGKILL) and the workers. Logs are appended to files in the run's folder,
/// so a violation can be traced. Kills are counted as they land: a kill of a process that is
/// not running is not one.
final class ChaosProcesses: @unchecked Sendable { // driven by the run's one control thread
    let d8: URL
    let folder: String
    let configPath: String
    let workers: ChaosWorkers
    private(set) var port = 0
    private(set) var orchestratorKills = 0
    private var orchestrator: ServeProcess?

    init(folder: String, configPath: String, pluginsDir: String, workerTypes: [String]) {
        d8 = D8Binary.url // built beside d8-bench
        self.folder = folder
        self.configPath = configPath
        workers = ChaosWorkers(folder: folder, configPath: configPath, pluginsDir: pluginsDir, types: workerTypes)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `d8 serve` (port 0 the first time, the same port afterwards) and waits for its
    /// "d8 listening on host:port" line. A port still held by the killed process is retried.
    func startOrchestrator() throws {
        var lastError = ""
        for _ in 0..<50 {
            do {
                let serve = try ServeProcess.start(dataDir: folder + "/data", config: configPath, port: port, logLevel: "warning",
                                                   binary: d8, standardError: try appendingLog("orchestrator.log", in: folder))
                port = serve.port
                orchestrator = serve
                return
            } catch {
                lastError = "\(error)"
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        throw ChaosFailure("d8 serve did not start: \(lastError); see \(folder)/orchestrator.log")
    }

    func killOrchestrator() {
        guard let serve = orchestrator, serve.process.isRunning else { return }
        serve.kill()
        orchestratorKills += 1
        orchestrator = nil
    }

    /// SIGTERM to everything: workers hand back what they hold, the orchestrator flushes.
    func stopAll() {
        workers.stopAll()
        orchestrator?.stop()
        orchestrator = nil
    }
}

struct ChaosFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
