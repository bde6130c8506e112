import Foundation

/// The `d8` executable built beside the running test bundle.
public enum D8Binary {
    public static var url: URL { URL(fileURLWithPath: path ?? "d8") }

    /// Walks up from the test binary to the first folder holding an executable `d8` file;
    /// nil when there is none.
    public static var path: String? {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("d8").path
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }
}

/// The repository's folders, found from this file: the staged plugins live in Plugins/.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static var plugins: String { root.appendingPathComponent("Plugins").path }
}

/// A fresh folder under the system's temporary directory.
public func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("d8-test-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// `d8 serve` as a child process. Started on port 0 it reports the port it got; restarted with
/// that port, it comes back where its workers expect it.
public struct ServeProcess: @unchecked Sendable { // Process is thread-safe for what is used here
    public let process: Process
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    public var usage: ProcessUsage { ProcessUsage(pid: process.processIdentifier) }

    public static func start(dataDir: String, config: String? = nil, port: Int = 0, logLevel: String = "error", arguments extra: [String] = [],
                             binary: URL = D8Binary.url, standardError: FileHandle? = nil) throws -> ServeProcess {
        let arguments = ["--port", "\(port)", "--data-dir", dataDir, "--log-level", logLevel] + (config.map { ["--config", $0] } ?? []) + extra
        let (process, reported, firstLine) = try launch(binary, arguments: arguments, standardError: standardError)
        guard let reported else {
            process.terminate()
            process.waitUntilExit()
            throw ProcessFailure("d8 serve did not report its port: \(firstLine)")
        }
        return ServeProcess(process: process, port: reported)
    }

    /// Starts `d8 serve` and reads its first line, "d8 listening on host:port": the port it
    /// got, or nil (with the line) when it did not start.
    private static func launch(_ binary: URL, arguments: [String], standardError: FileHandle?) throws -> (Process, Int?, String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["serve"] + arguments
        let output = Pipe()
        process.standardOutput = output
        if let standardError { process.standardError = standardError }
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        return (process, text.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, text)
    }

    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func terminate() { process.terminate() }

    public func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// SIGTERM, then waits: the orchestrator flushes its store and exits.
    public func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// Runs `body` against a fresh `d8 serve` and kills it when `body` returns or throws.
public func withServeProcess<T>(dataDir: String = temporaryDirectory(), config: String? = nil,
                                _ body: (ServeProcess) async throws -> T) async throws -> T {
    let serve = try ServeProcess.start(dataDir: dataDir, config: config)
    defer { serve.kill() }
    return try await body(serve)
}

/// `d8 worker` as a child process; its log (stderr) goes to a file for the test to read, a fresh
/// one unless `logPath` names one to append to.
public final class WorkerProcess: Sendable {
    public let process: Process
    public let logPath: String

    public static func start(type: String, config: String, orchestrator: String, id: String? = nil, arguments: [String] = [],
                             environment: [String: String] = [:], pluginsDir: String = Repository.plugins,
                             logPath: String? = nil, binary: URL = D8Binary.url) throws -> WorkerProcess {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["worker", "--type", type, "--config", config, "--orchestrator", orchestrator, "--plugins-dir", pluginsDir]
            + (id.map { ["--id", $0] } ?? []) + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let logPath = logPath ?? temporaryDirectory() + "/worker.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw ProcessFailure("cannot create \(logPath)") }
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw ProcessFailure("cannot write \(logPath)") }
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return WorkerProcess(process: process, logPath: logPath)
    }

    private init(process: Process, logPath: String) {
        self.process = process
        self.logPath = logPath
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    public func terminate() { process.terminate() }

    /// The exit status, or nil if the process is still running after `timeout`.
    public func waitForExit(timeout: Duration = .seconds(30)) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    deinit { if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) } }
}

/// Runs `d8` with `arguments` to completion: its exit status, stdout and stderr.
public func runD8(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = D8Binary.url
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

public struct ProcessFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
