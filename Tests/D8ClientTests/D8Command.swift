import D8Harness
import Foundation

/// What one run of the `d8` executable printed and how it exited.
struct D8Run: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `d8 arguments` to completion off the cooperative pool, with `environment` on top of the
/// test's own (whose D8 variables are dropped, so the host cannot steer the command). Output
/// goes through files, which never fill up and stall the command the way a pipe can.
func d8(_ arguments: [String], environment: [String: String] = [:]) async throws -> D8Run {
    let inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("D8_") && $0.key != "ORCHESTRATOR_URL" }
    let dir = temporaryDirectory()
    let (outPath, errPath) = (dir + "/stdout", dir + "/stderr")
    for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    let process = Process()
    process.executableURL = D8Binary.url
    process.arguments = arguments
    process.environment = inherited.merging(environment) { $1 }
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    let status = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    func text(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return D8Run(status: status, stdout: text(outPath), stderr: text(errPath))
}
