import D8Client
import D8Harness
import Foundation

/// The `d8 worker` processes of a chaos run, one per worker type, each restarted under the same
/// id after a kill. Every worker's Echo plugin appends "<task_id> <attempt>" per execution to
/// `executionLog`. Kills are counted as they land: a kill of a process that is not running is
/// not one.
final class ChaosWorkers: @unchecked Sendable { // driven by the run's one control thread
    let d8: URL
    let folder: String
    let configPath: String
    let pluginsDir: String
    let types: [String]
    private(set) var kills = 0
    private var processes: [WorkerProcess?]

    init(folder: String, configPath: String, pluginsDir: String, types: [String]) {
        d8 = D8Binary.url // built beside d8-bench
        self.folder = folder
        self.configPath = configPath
        self.pluginsDir = pluginsDir
        self.types = types
        processes = Array(repeating: nil, count: types.count)
    }

    var executionLog: String { folder + "/executions.log" }

    /// Starts worker `index` on `orchestrator` (one URL, or a comma list to fail over along).
    func start(_ index: Int, orchestrator: String) throws {
        let type = types[index]
        processes[index] = try WorkerProcess.start(
            type: type, config: configPath, orchestrator: orchestrator, id: id(index), arguments: ["--poll-wait", "2", "--log-level", "warning"],
            environment: ["D8_ECHO_EXECUTION_LOG": executionLog], pluginsDir: pluginsDir, logPath: folder + "/worker-\(type).log", binary: d8)
    }

    func kill(_ index: Int) {
        guard let worker = processes[index], worker.process.isRunning else { return }
        worker.kill()
        kills += 1
        processes[index] = nil
    }

    /// Indices of the workers holding leases now, by the worker lists of `orchestrators` (those
    /// that do not answer count for none).
    func busy(at orchestrators: [String]) -> Set<Int> {
        var busy: Set<String> = []
        for url in orchestrators {
            guard case let .success(list) = APIEndpoint(baseURL: url, token: nil).call("GET", "/api/workers/list", timeout: .seconds(2)) else { continue }
            for worker in list["workers"]?.arrayValue ?? [] where (worker["busy_slots"]?.intValue ?? 0) > 0 {
                if let id = worker["worker_id"]?.stringValue { busy.insert(id) }
            }
        }
        return Set(types.indices.filter { busy.contains(id($0)) })
    }

    /// SIGTERM to every worker (they hand back what they hold); one that has not exited 20 s
    /// later is killed.
    func stopAll() {
        for worker in processes.compactMap({ $0 }) { worker.terminate() }
        for worker in processes.compactMap({ $0 }) where worker.waitForExit(timeout: .seconds(20)) == nil { worker.kill() }
        processes = processes.map { _ in nil }
    }

    private func id(_ index: Int) -> String { "chaos-\(types[index])" }
}

/// A log file in `folder`, opened for appending (created when missing), for a restarted process
/// to go on writing where its predecessor stopped.
func appendingLog(_ name: String, in folder: String) throws -> FileHandle {
    let path = folder + "/" + name
    if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    guard let handle = FileHandle(forWritingAtPath: path) else { throw ChaosFailure("cannot write \(path)") }
    handle.seekToEndOfFile()
    return handle
}
