import D8Harness
import Foundation

/// The real `d8` processes of a chaos run: one orchestrator (restarted on its port and data
/// folder after each SIGKILL) and workers (restarted under the same id). Logs are appended to
/// files in the run's folder, so a violation can be traced. Kills are counted as they land: a
/// kill of a process that is not running is not one.
final class ChaosProcesses: @unchecked Sendable { // driven by the run's one control thread
    let d8: URL
    let folder: String
    let configPath: String
    let pluginsDir: String
    let workerTypes: [String]
    private(set) var port = 0
    private(set) var orchestratorKills = 0
    private(set) var workerKills = 0
    private var orchestrator: ServeProcess?
    private var workers: [WorkerProcess?]

    init(folder: String, configPath: String, pluginsDir: String, workerTypes: [String]) {
        d8 = D8Binary.url // built beside d8-bench
        self.folder = folder
        self.configPath = configPath
        self.pluginsDir = pluginsDir
        self.workerTypes = workerTypes
        workers = Array(repeating: nil, count: workerTypes.count)
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// Starts `d8 serve` (port 0 the first time, the same port afterwards) and waits for its
    /// "d8 listening on host:port" line. A port still held by the killed process is retried.
    func startOrchestrator() throws {
        var lastError = ""
        for _ in 0..<50 {
            do {
                let serve = try ServeProcess.start(dataDir: folder + "/data", config: configPath, port: port, logLevel: "warning",
                                                   binary: d8, standardError: try appending(to: "orchestrator.log"))
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

    /// Where the Echo plugin of every worker appends "<task_id> <attempt>" per execution.
    var executionLog: String { folder + "/executions.log" }

    func startWorker(_ index: Int) throws {
        let type = workerTypes[index]
        workers[index] = try WorkerProcess.start(
            type: type, config: configPath, orchestrator: url, id: "chaos-\(type)", arguments: ["--poll-wait", "2", "--log-level", "warning"],
            environment: ["D8_ECHO_EXECUTION_LOG": executionLog], pluginsDir: pluginsDir, logPath: folder + "/worker-\(type).log", binary: d8)
    }

    func killWorker(_ index: Int) {
        guard let worker = workers[index], worker.process.isRunning else { return }
        worker.kill()
        workerKills += 1
        workers[index] = nil
    }

    /// SIGTERM to everything: workers hand back what they hold, the orchestrator flushes.
    func stopAll() {
        for worker in workers.compactMap({ $0 }) { worker.terminate() }
        for worker in workers.compactMap({ $0 }) { worker.process.waitUntilExit() }
        workers = workers.map { _ in nil }
        orchestrator?.stop()
        orchestrator = nil
    }

    private func appending(to name: String) throws -> FileHandle {
        let path = folder + "/" + name
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ChaosFailure("cannot write \(path)") }
        handle.seekToEndOfFile()
        return handle
    }
}

struct ChaosFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
