import Foundation

/// The real `d8` processes of a chaos run: one orchestrator (restarted on its port and data
/// folder after each SIGKILL) and workers (restarted under the same id). Logs are appended to
/// files in the run's folder, so a violation can be traced.
final class ChaosProcesses: @unchecked Sendable { // driven by the run's one control thread
    let d8: URL
    let folder: String
    let configPath: String
    let pluginsDir: String
    let workerTypes: [String]
    private(set) var port = 0
    private var orchestrator: Process?
    private var workers: [Process?]

    init(folder: String, configPath: String, pluginsDir: String, workerTypes: [String]) {
        // d8 is built beside d8-bench.
        d8 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("d8")
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
            let (process, got, text) = try launchServe(
                d8, arguments: ["--port", "\(port)", "--data-dir", folder + "/data", "--config", configPath, "--log-level", "warning"],
                standardError: try appending(to: "orchestrator.log"))
            if let got {
                port = got
                orchestrator = process
                return
            }
            process.waitUntilExit()
            lastError = text
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw ChaosFailure("d8 serve did not start: \(lastError); see \(folder)/orchestrator.log")
    }

    func killOrchestrator() {
        guard let process = orchestrator else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        orchestrator = nil
    }

    func startWorker(_ index: Int) throws {
        let type = workerTypes[index]
        let process = Process()
        process.executableURL = d8
        process.arguments = [
            "worker", "--type", type, "--id", "chaos-\(type)", "--config", configPath, "--orchestrator", url,
            "--plugins-dir", pluginsDir, "--poll-wait", "2", "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try appending(to: "worker-\(type).log")
        try process.run()
        workers[index] = process
    }

    func killWorker(_ index: Int) {
        guard let process = workers[index] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        workers[index] = nil
    }

    /// SIGTERM to everything: workers hand back what they hold, the orchestrator flushes.
    func stopAll() {
        for process in workers.compactMap({ $0 }) { process.terminate() }
        for process in workers.compactMap({ $0 }) { process.waitUntilExit() }
        workers = workers.map { _ in nil }
        orchestrator?.terminate()
        orchestrator?.waitUntilExit()
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

/// SplitMix64: a seeded generator, so a run's kill schedule and delays can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
