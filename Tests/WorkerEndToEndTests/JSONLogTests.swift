import D8Core
import D8Harness
import Foundation
import Testing

/// `--log-format json`: every line `d8 serve` and `d8 worker` write is one JSON object, with the
/// task id, worker id and worker type as fields where they apply.
@Suite("JSON logs")
struct JSONLogTests {
    @Test func serveAndWorkerWriteOneObjectALineWithTheirIDs() async throws {
        let provider = try FakeProvider(handler: FakeProvider.openAIError(status: 400, message: "model 'm' does not exist"))
        defer { provider.stop() }
        let dir = temporaryDirectory()
        let configPath = dir + "/d8.yaml"
        try """
            queue: { heartbeat_interval: 500ms, worker_timeout: 2s }
            worker_types:
              llm: { plugin: groq, base_url: \(provider.baseURL), api_key: test-key, default_model: m }
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        let serveLog = dir + "/serve.log"
        FileManager.default.createFile(atPath: serveLog, contents: nil)
        let serve = try ServeProcess.start(dataDir: dir + "/data", config: configPath, logLevel: "info", arguments: ["--log-format", "json"],
                                           standardError: FileHandle(forWritingAtPath: serveLog))
        defer { serve.kill() }
        let worker = try WorkerProcess.start(type: "llm", config: configPath, orchestrator: serve.url, id: "json worker",
                                             arguments: ["--log-format", "json", "--poll-wait", "1"])
        defer { worker.kill() }

        let answer = try runD8(["submit", "agent_action", "--data", #"{"messages": [{"role": "user", "content": "hi"}]}"#, "--wait", "--json", "--orchestrator", serve.url])
        let id = try #require(try JSONValue.parse(answer.stdout)["task_id"]?.stringValue, "\(answer.stderr)")
        #expect(await eventually { Self.lines(serveLog).contains { $0["message"] == "task failed" } })
        worker.terminate() // a clean stop logs its unregister
        _ = worker.waitForExit()

        let serveLines = Self.lines(serveLog), workerLines = Self.lines(worker.logPath)
        for (name, path, lines) in [("serve", serveLog, serveLines), ("worker", worker.logPath, workerLines)] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let raw = text.split(separator: "\n")
            #expect(!raw.isEmpty && raw.count == lines.count, "\(name): every line is a JSON object:\n\(text)")
            for line in lines {
                #expect(line["time"]?.stringValue?.hasSuffix("Z") == true && line["level"] != nil && line["message"] != nil && line["logger"] != nil, "\(name): \(line)")
            }
        }
        let failed = try #require(serveLines.first { $0["message"] == "task failed" })
        #expect(failed["task_id"]?.stringValue == id)
        #expect(failed["worker_id"] == "json worker")
        #expect(failed["worker_type"] == "llm")
        #expect(failed["level"] == "warning")
        #expect(failed["error"]?.stringValue?.contains("does not exist") == true)
        #expect(serveLines.contains { $0["message"] == "worker registered" && $0["worker_id"] == "json worker" && $0["worker_type"] == "llm" })
        #expect(workerLines.contains { $0["message"] == "registered" && $0["worker_id"] == "json worker" && $0["worker_type"] == "llm" })
        #expect(workerLines.contains { $0["message"] == "unregistered" })
    }

    /// The file's lines that parse as JSON objects.
    static func lines(_ path: String) -> [JSONValue] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let value = try? JSONValue.parse(Array(line.utf8)), value.objectValue != nil else { return nil }
            return value
        }
    }
}
