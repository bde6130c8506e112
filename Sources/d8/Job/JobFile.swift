import ArgumentParser
import D8Client
import D8Core
import Foundation

/// A job's tasks from a JSON Lines file, and its results written back as JSON Lines.
enum JobFile {
    /// Every non-blank line as a submission; the first bad one stops it, named by file and line.
    static func read(_ path: String) throws -> [TaskSubmission] {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read the tasks file \(path)")
        }
        var tasks: [TaskSubmission] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let where_ = "\(path):\(index + 1)"
            guard line.contains(where: { ![UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains($0) }) else { continue }
            let object: [String: JSONValue]
            do {
                guard let parsed = try JSONValue.parse(line).objectValue else {
                    throw ValidationError("\(where_): a task must be a JSON object")
                }
                object = parsed
            } catch let error as JSONParseError {
                throw ValidationError("\(where_): invalid JSON \(TaskData.location(of: error, in: Array(line)).replacingOccurrences(of: "at line 1, ", with: "at "))")
            }
            do {
                tasks.append(try TaskSubmission(json: object))
            } catch {
                throw ValidationError("\(where_): \(error.message)")
            }
        }
        guard !tasks.isEmpty else { throw ValidationError("\(path) holds no tasks") }
        guard tasks.count <= 10_000 else { throw ValidationError("\(path) holds \(tasks.count) tasks; a job takes at most 10000") }
        return tasks
    }

    static func writeResults(_ job: JobStatus, to path: String?) throws {
        let lines = job.results.map { $0.json.jsonString + "\n" }.joined()
        guard let path else { print(lines, terminator: ""); return }
        guard FileManager.default.createFile(atPath: path, contents: Data(lines.utf8)) else {
            throw ValidationError("cannot write the results to \(path)")
        }
    }

    /// "job J (name): 10/12 finished · 1 failed · $0.0120 · completed 9, failed 1, pending 2".
    static func summary(_ job: JobStatus) -> String {
        let states = job.counts.filter { $0.value > 0 }.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        return "job \(job.jobID)\(job.name.map { " (\($0))" } ?? ""): \(job.finished)/\(job.total) finished · \(job.failures) failed · "
            + "\(Format.usd(job.costUSD))\(job.cacheHits > 0 ? " · \(job.cacheHits) from the cache" : "")"
            + (states.isEmpty ? "" : " · " + states.joined(separator: ", "))
    }
}
