import ArgumentParser
import Foundation

/// What d8's front door adds to a chat completion: the same requests straight to a loopback
/// mock provider that answers at once, through d8 (a release `d8 serve`, a `d8 worker` with the
/// Groq plugin pointed at the mock), and through LiteLLM's proxy pointed at the same mock,
/// measured in one run. Plain requests are timed to the whole answer, streamed ones to the
/// first token; "added" is a path's percentile minus the direct path's.
struct OpenAIBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "openai", abstract: "Latency the front door adds over calling the provider directly, against LiteLLM's proxy.")

    @Option(help: "Timed requests per path, mode and concurrency (after a warm-up of a tenth as many).")
    var requests = 2_000

    @Option(help: "Timed requests per mode and concurrency through LiteLLM (slower; fewer keep the run short).")
    var litellmRequests = 500

    @Option(help: "server.durability of d8: disk (the default config's) or process.")
    var durability = "disk"

    @Option(help: "The d8 executable (default: beside this one).")
    var d8: String?

    @Option(help: "Folder holding libd8_groq.so (default: beside this executable, where `swift build -c release` puts it).")
    var pluginsDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path

    @Option(help: "LiteLLM's proxy launcher (scripts/litellm-venv.sh installs LiteLLM first); skipped when absent.")
    var litellm = "scripts/litellm-proxy.sh"

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let mock = try BenchMock()
        defer { mock.stop() }
        let front = try FrontDoorUnderTest.start(mockURL: mock.url, durability: durability, d8: d8, pluginsDir: pluginsDir)
        defer { front.stop() }
        let proxy = LiteLLMProxy.start(launcher: litellm, mockURL: mock.url)
        defer { proxy?.stop() }

        var paths: [ChatPath] = [.direct(mock.url), front.path]
        if let proxy { paths.append(proxy.path) }
        var figures: [String: Any] = [:]
        for concurrency in [1, 16] {
            for streamed in [false, true] {
                let key = "c\(concurrency)_\(streamed ? "stream_ttft" : "plain")"
                var byPath: [String: LatencySummary] = [:]
                for path in paths {
                    let count = path.name == "litellm" ? litellmRequests : requests
                    byPath[path.name] = try ChatLoad(path: path, streamed: streamed, concurrency: concurrency, requests: count).run()
                }
                figures[key] = Self.compare(byPath)
            }
        }
        let report: [String: Any] = [
            "benchmark": "openai", "cores": ProcessInfo.processInfo.activeProcessorCount,
            "mock": "a loopback OpenAI-compatible provider answering at once (D8Harness FakeProvider): 5 tokens, streamed as 5 pieces",
            "d8": "one release d8 serve (SQLite, durability \(durability)) and one d8 worker (Groq plugin, 32 slots) on the mock; model 'groq'",
            "litellm": proxy == nil ? "skipped: no LiteLLM (run scripts/litellm-venv.sh)" : "LiteLLM proxy \(proxy!.version), one uvicorn worker, no database, model 'mock' on the mock",
            "timing": "plain: request to whole answer; streamed: request to the first content token; libcurl keep-alive clients, one per concurrent caller",
            "added_ms": "a path's percentile minus the direct path's, same run",
            "results": figures,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        }
    }

    /// Each path's p50/p99 and what it adds over the direct path; and d8's added p99 against LiteLLM's.
    static func compare(_ byPath: [String: LatencySummary]) -> [String: Any] {
        guard let direct = byPath["direct"] else { return [:] }
        var out: [String: Any] = [:]
        for (name, s) in byPath {
            var entry: [String: Any] = ["p50_ms": round3(s.p50), "p99_ms": round3(s.p99), "requests": s.count, "errors": s.errors]
            if name != "direct" {
                entry["added_p50_ms"] = round3(s.p50 - direct.p50)
                entry["added_p99_ms"] = round3(s.p99 - direct.p99)
            }
            out[name] = entry
        }
        if let d8 = byPath["d8"], let lite = byPath["litellm"] {
            let (d8Added, liteAdded) = (max(d8.p99 - direct.p99, 0.001), lite.p99 - direct.p99)
            out["litellm_added_p99_over_d8"] = round3(liteAdded / d8Added)
        }
        return out
    }
}
