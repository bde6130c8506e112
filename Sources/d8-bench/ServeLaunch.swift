import Foundation

/// Starts `d8 serve` as a child process and reads its first line, "d8 listening on host:port":
/// the port it got, or nil (with the line) when it did not start. Shared by the benchmarks
/// that need the orchestrator in a process of its own.
func launchServe(_ binary: URL, arguments: [String], standardError: FileHandle? = nil) throws -> (process: Process, port: Int?, firstLine: String) {
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
    let port = text.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    return (process, port, text)
}
