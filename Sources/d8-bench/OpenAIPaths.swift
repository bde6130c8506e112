import D8Client
import D8Core
import D8Harness
import Foundation

/// Where a chat request goes: a base URL ending in what precedes `/chat/completions`, the
/// model to name, and the bearer key.
struct ChatPath: Sendable {
    let name: String
    let base: String
    let model: String
    let key: String?

    static func direct(_ mockURL: String) -> ChatPath { ChatPath(name: "direct", base: mockURL, model: "fake", key: nil) }
}

/// The provider: answers every chat completion at once, 5 tokens, streamed as 5 pieces.
struct BenchMock {
    let provider: FakeProvider
    var url: String { provider.baseURL }

    init() throws {
        provider = try FakeProvider(lifetime: .seconds(3600), handler: FakeProvider.openAI(FakeAnswer(pieces: ["Hel", "lo", ", ", "wor", "ld"])))
    }

    func stop() { provider.stop() }
}

/// A release `d8 serve` with one `groq` worker type on the mock, and one `d8 worker` for it.
struct FrontDoorUnderTest {
    let server: ServeProcess
    let worker: WorkerProcess
    let folder: String
    var path: ChatPath { ChatPath(name: "d8", base: server.url + "/v1", model: "groq", key: nil) }

    static func start(mockURL: String, durability: String, d8: String?, pluginsDir: String) throws -> FrontDoorUnderTest {
        let binary = d8.map { URL(fileURLWithPath: $0) } ?? D8Binary.url
        let folder = temporaryDirectory()
        let config = folder + "/d8.yaml"
        try """
            server: { durability: \(durability) }
            plugins: { dir: \(URL(fileURLWithPath: pluginsDir).standardizedFileURL.path) }
            worker_types:
              groq: { plugin: groq, api_key: bench, base_url: "\(mockURL)", default_model: llama-3.3-70b-versatile, slots: 32 }

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try ServeProcess.start(dataDir: folder + "/data", config: config, binary: binary)
        let worker = try WorkerProcess.start(type: "groq", config: config, orchestrator: server.url,
                                             pluginsDir: URL(fileURLWithPath: pluginsDir).standardizedFileURL.path, binary: binary)
        let registered = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < registered {
            let models = HTTPTransport.shared.send(method: "GET", url: server.url + "/v1/models", headers: [], body: [])
            if case let .response(answer) = models, String(decoding: answer.body, as: UTF8.self).contains("\"groq\"") {
                return FrontDoorUnderTest(server: server, worker: worker, folder: folder)
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw ProcessFailure("the d8 worker did not register within 20 s: \(worker.log.suffix(500))")
    }

    func stop() {
        worker.terminate()
        _ = worker.waitForExit(timeout: .seconds(10))
        server.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// LiteLLM's proxy through its launcher script, if LiteLLM is installed; nil (skipped) if not.
struct LiteLLMProxy {
    let process: Process
    let port: Int
    let version: String
    var path: ChatPath { ChatPath(name: "litellm", base: "http://127.0.0.1:\(port)/v1", model: "mock", key: "sk-bench") }

    static func start(launcher: String, mockURL: String) -> LiteLLMProxy? {
        let venv = URL(fileURLWithPath: launcher).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/venv-litellm/bin/litellm").path
        guard FileManager.default.isExecutableFile(atPath: launcher), FileManager.default.isExecutableFile(atPath: venv) else { return nil }
        let port = Int.random(in: 20_000...40_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: launcher)
        process.arguments = [mockURL, "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let ready = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < ready, process.isRunning {
            if case let .response(answer) = HTTPTransport.shared.send(method: "GET", url: "http://127.0.0.1:\(port)/health/liveliness", headers: [], body: []),
               answer.status == 200 {
                return LiteLLMProxy(process: process, port: port, version: Self.version(venv: venv))
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        process.terminate()
        return nil
    }

    static func version(venv: String) -> String {
        let pip = URL(fileURLWithPath: venv).deletingLastPathComponent().appendingPathComponent("pip").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pip)
        process.arguments = ["show", "litellm"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "?" }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.split(separator: "\n").first { $0.hasPrefix("Version:") }.map { String($0.dropFirst(8)).trimmingCharacters(in: .whitespaces) } ?? "?"
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
