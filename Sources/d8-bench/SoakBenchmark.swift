import ArgumentParser
import D8Core
import D8Harness
import Foundation
import Synchronization

/// Steady load against a real `d8 serve` process for N minutes, sampling the orchestrator's
/// resident memory (VmRSS from /proc) as it goes: after a warm-up its memory should stay flat.
/// One submitter at a fixed rate and simulated workers that lease and report over keep-alive
/// sockets; the store keeps every finished task (retention is days), so only memory that the
/// orchestrator failed to let go of would grow.
struct SoakBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "soak", abstract: "Orchestrator memory over time under steady load.")

    @Option(help: "Minutes of load.")
    var minutes: Double = 10

    @Option(help: "Tasks submitted per second.")
    var rate: Double = 200

    @Option(help: "Seconds between memory samples.")
    var sampleEvery: Double = 10

    @Option(help: "Warm-up, as a share of the run, before which growth is not counted.")
    var warmup: Double = 0.2

    @Option(help: "The d8 executable (default: beside this one; `swift build -c release` builds both).")
    var d8: String?

    @Flag(help: "Print JSON (the only output format).")
    var json = false

    func run() throws {
        let server = try BenchServer.start(durability: "disk", binary: d8)
        defer { server.stop() }

        let load = SoakLoad()
        let done = DispatchGroup()
        for n in 0..<2 { startWorker(port: server.port, id: "soak-\(n)", load: load, group: done) }
        startSubmitter(port: server.port, load: load, group: done)

        var samples: [(seconds: Double, rssMB: Double)] = []
        let start = ContinuousClock.now, total = minutes * 60
        while (ContinuousClock.now - start).seconds < total {
            samples.append(((ContinuousClock.now - start).seconds, server.usage.residentMB))
            Thread.sleep(forTimeInterval: min(sampleEvery, max(0.1, total - (ContinuousClock.now - start).seconds)))
        }
        samples.append(((ContinuousClock.now - start).seconds, server.usage.residentMB))
        load.stop.store(true, ordering: .relaxed)
        done.wait()

        let afterWarmup = samples.filter { $0.seconds >= total * warmup }
        let first = afterWarmup.first?.rssMB ?? .nan, last = afterWarmup.last?.rssMB ?? .nan
        let report: [String: Any] = [
            "benchmark": "soak", "minutes": minutes, "rate_per_second": rate, "cores": ProcessInfo.processInfo.activeProcessorCount,
            "submitted": load.submitted.load(ordering: .relaxed), "completed": load.completed.load(ordering: .relaxed),
            "rss_mb_after_warmup": ["first": first, "last": last, "max": afterWarmup.map(\.rssMB).max() ?? .nan],
            "growth_after_warmup_percent": ((last - first) / first * 1000).rounded() / 10,
            "samples": samples.map { ["t_s": ($0.seconds * 10).rounded() / 10, "rss_mb": ($0.rssMB * 10).rounded() / 10] },
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    private func startSubmitter(port: Int, load: SoakLoad, group: DispatchGroup) {
        group.enter()
        Thread {
            let connection = RawHTTPConnection.connected(port: port)
            let interval = 1 / rate
            var next = ContinuousClock.now
            var n = 0
            while !load.stop.load(ordering: .relaxed) {
                let reply = connection.request("POST", "/api/tasks/submit", json: ["type": "echo", "data": ["prompt": .string("soak \(n)")]])
                if reply.status == 201 { load.submitted.add(1, ordering: .relaxed) }
                n += 1
                next = next + .milliseconds(Int64(interval * 1000))
                let wait = (next - ContinuousClock.now).seconds
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            group.leave()
        }.start()
    }

    private func startWorker(port: Int, id: String, load: SoakLoad, group: DispatchGroup) {
        group.enter()
        Thread {
            let connection = RawHTTPConnection.connected(port: port)
            _ = connection.request("POST", "/api/workers/register", json: ["worker_id": .string(id), "worker_type": "echo", "capabilities": ["slots": 16]])
            while !load.stop.load(ordering: .relaxed) {
                let reply = connection.request("GET", "/api/workers/\(id)/tasks?wait=1&max=16")
                for task in reply.body["tasks"]?.arrayValue ?? [] {
                    let ack = connection.request("POST", "/api/tasks/\(task["task_id"]?.stringValue ?? "")/result",
                                                 json: ["worker_id": .string(id), "lease": task["lease"] ?? .null, "result": ["success": true, "output": "ok", "cost_usd": 0]])
                    if ack.status == 200 { load.completed.add(1, ordering: .relaxed) }
                }
            }
            group.leave()
        }.start()
    }
}

/// What the load threads share.
final class SoakLoad: Sendable {
    let stop = Atomic<Bool>(false)
    let submitted = Atomic<Int>(0)
    let completed = Atomic<Int>(0)
}
