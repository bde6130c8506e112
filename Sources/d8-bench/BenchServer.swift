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
        let yaml = config(durability: durability, capacity: capacity, pluginsDir: pluginsDir, metrics: metrics, echoCacheTTL: echoCacheTTL)
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
        let serve = try ServeProcess.start(dataDir: folder + "/data", config: configPath, binary: d8)
        return BenchServer(serve: serve, folder: folder, configPath: configPath)
    }

    /// The config of a benchmark's `d8 serve`; `postgres` (a URL) makes it a cluster node.
    static func config(durability: String, capacity: Int = 65_536, pluginsDir: String = "./Plugins", metrics: Bool = true,
                       echoCacheTTL: String? = nil, postgres: String? = nil) -> String {
        let store = postgres.map { "\n  store: postgres\n  postgres:\n    url: \($0)\n    pool: 16" } ?? ""
        return """
            server:
              durability: \(durability)\(metrics ? "" : "\n  metrics: false")\(store)
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
    }

    func stop() {
        serve.stop()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// `nodes` `d8 serve` processes sharing one PostgreSQL database (`store: postgres`), each on its
/// own free loopback port with its own data folder, all with the benchmark's config.
struct BenchCluster {
    let nodes: [ServeProcess]
    let folder: String
    var ports: [Int] { nodes.map(\.port) }

    static func start(nodes count: Int, postgresURL: String, durability: String, binary: String? = nil, pluginsDir: String = "./Plugins") throws -> BenchCluster {
        let d8 = binary.map { URL(fileURLWithPath: $0) } ?? D8Binary.url
        guard FileManager.default.isExecutableFile(atPath: d8.path) else {
            throw ProcessFailure("no d8 executable at \(d8.path): build it with `swift build -c release`")
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let configPath = folder + "/d8.yaml"
        try BenchServer.config(durability: durability, pluginsDir: pluginsDir, postgres: postgresURL).write(toFile: configPath, atomically: true, encoding: .utf8)
        var nodes: [ServeProcess] = []
        do {
            for index in 0..<count {
                nodes.append(try ServeProcess.start(dataDir: folder + "/data-\(index)", config: configPath, binary: d8))
            }
        } catch {
            for node in nodes { node.stop() }
            throw error
        }
        return BenchCluster(nodes: nodes, folder: folder)
    }

    /// User + system CPU seconds of every node so far.
    var cpuSeconds: Double { nodes.reduce(0) { $0 + ($1.usage.cpuSeconds ?? .nan) } }

    func stop() {
        for node in nodes { node.terminate() }
        for node in nodes { node.process.waitUntilExit() }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
