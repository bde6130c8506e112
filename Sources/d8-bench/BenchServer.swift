import D8Harness
import Foundation

/// The orchestrator under test: a `d8 serve` process of its own (so its CPU time and memory are
/// the orchestrator's alone) on a free loopback port, with one `echo` worker type and a
/// temporary data folder that `stop` removes.
struct BenchServer {
    let serve: ServeProcess
    let folder: String
    let configPath: String
    var port: Int { serve.port }
    var usage: ProcessUsage { serve.usage }

    /// `binary`: the d8 executable, by default the one beside d8-bench (`swift build -c release`
    /// builds both). `capacity` bounds pending tasks per priority, so a backlog must fit in it.
    /// `metrics: false` turns counting off (the key is left out otherwise, for older builds).
    /// `echoCacheTTL` (a config duration, "1h") gives the `echo` task type a result cache.
    static func start(durability: String, binary: String? = nil, capacity: Int = 65_536, pluginsDir: String = "./Plugins", metrics: Bool = true,
                      echoCacheTTL: String? = nil) throws -> BenchServer {
        let d8 = binary.map { URL(fileURLWithPath: $0) } ?? D8Binary.url
        guard FileManager.default.isExecutableFile(atPath: d8.path) else {
            throw ProcessFailure("no d8 executable at \(d8.path): build it with `swift build -c release`")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let configPath = folder + "/d8.yaml"
        let yaml = """
            server:
              durability: \(durability)\(metrics ? "" : "\n  metrics: false")
            queue:
              capacity: \(capacity)
            plugins:
              dir: \(URL(fileURLWithPath: pluginsDir).standardizedFileURL.path)
            worker_types:
              echo:
                plugin: echo
                slots: 16
            task_types:
              echo: { route: [echo]\(echoCacheTTL.map { ", cache: { ttl: \($0) }" } ?? "") }

            """
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let serve = try ServeProcess.start(dataDir: folder + "/data", config: configPath, binary: d8)
        return BenchServer(serve: serve, folder: folder, configPath: configPath)
    }

    func stop() {
        serve.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}
