import D8Core
import D8Harness
import Dispatch
import Foundation
import Synchronization

/// The CPU time, so far, of what serves a scenario: the `d8 serve` processes, and PostgreSQL's
/// processes when the store is a cluster's (nil: not measured).
struct ServingCPU: Sendable {
    let orchestrators: @Sendable () -> Double
    let postgres: (@Sendable () -> Double?)?

    init(server: BenchServer) {
        let usage = server.usage
        orchestrators = { usage.cpuSeconds ?? .nan }
        postgres = nil
    }

    init(cluster: BenchCluster, postgres: BenchPostgres) {
        orchestrators = { cluster.cpuSeconds }
        if postgres.dir == nil {
            self.postgres = nil
        } else {
            self.postgres = { postgres.cpuSeconds }
        }
    }
}

/// One throughput scenario: submitters push `tasks` (one per request, or in batches) while the
/// workers lease up to 64 at once and report them (batched: in one request, where the server
/// offers it); the clock, and the orchestrator's CPU time, run from the first submit to the last
/// result. With several nodes (`ports`), worker i long-polls node i mod n and each submitter
/// sends its requests round-robin over the nodes, starting at its own index.
struct Scenario {
    /// Results for many tasks in one request; the benchmark falls back to one result per
    /// request when the orchestrator does not answer it with 200.
    static func resultsBatchPath(_ worker: String) -> String {
        "/api/workers/\(worker.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? worker)/results"
    }

    let ports: [Int], meter: ServingCPU, submitters: Int, workers: Int, tasks: Int, batchSize: Int
    /// Workers post each leased group's results in one request (as `d8 worker` does whenever
    /// several results are ready), else one request per result.
    let resultsInBatches: Bool
    var batched: Bool { batchSize > 1 }

    init(ports: [Int], meter: ServingCPU, submitters: Int, workers: Int, tasks: Int, batchSize: Int, resultsInBatches: Bool) {
        self.ports = ports
        self.meter = meter
        self.submitters = submitters
        self.workers = workers
        self.tasks = tasks
        self.batchSize = batchSize
        self.resultsInBatches = resultsInBatches
    }

    /// One `d8 serve`.
    init(server: BenchServer, submitters: Int, workers: Int, tasks: Int, batchSize: Int, resultsInBatches: Bool) {
        self.init(ports: [server.port], meter: ServingCPU(server: server), submitters: submitters, workers: workers,
                  tasks: tasks, batchSize: batchSize, resultsInBatches: resultsInBatches)
    }

    func run() -> [String: Any] {
        let completed = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let resultsBatched = Atomic<Bool>(resultsInBatches)
        let latencies = Mutex<[Double]>([])
        let workerIDs = (0..<workers).map { "bench-\(UUID().uuidString.prefix(8))-\($0)" }
        let done = DispatchGroup()
        for (index, id) in workerIDs.enumerated() {
            let connection = RawHTTPConnection.connected(port: ports[index % ports.count])
            _ = connection.request("POST", "/api/workers/register", json: ["worker_id": .string(id), "worker_type": "echo", "capabilities": ["slots": 64]])
            done.enter()
            Thread {
                var mine: [Double] = []
                while !stop.load(ordering: .relaxed) {
                    let leased = connection.request("GET", "/api/workers/\(id)/tasks?wait=0.5&max=64").body["tasks"]?.arrayValue ?? []
                    guard !leased.isEmpty else { continue }
                    report(leased, worker: id, on: connection, batched: resultsBatched)
                    let now = Double(DispatchTime.now().uptimeNanoseconds)
                    for task in leased { mine.append((now - (task["t0"]?.doubleValue ?? 0)) / 1e6) }
                    completed.add(leased.count, ordering: .relaxed)
                }
                _ = connection.request("POST", "/api/workers/\(id)/unregister")
                latencies.withLock { $0 += mine }
                done.leave()
            }.start()
        }

        let perSubmitter = tasks / submitters
        let cpuBefore = meter.orchestrators()
        let postgresBefore = meter.postgres?() ?? .nan
        let start = DispatchTime.now().uptimeNanoseconds
        let ports = self.ports
        DispatchQueue.concurrentPerform(iterations: submitters) { submitter in
            let connections = ports.map { RawHTTPConnection.connected(port: $0) }
            var sent = 0, request = submitter
            while sent < perSubmitter {
                let connection = connections[request % connections.count]
                request += 1
                let n = min(batchSize, perSubmitter - sent)
                let now = JSONValue.number(Double(DispatchTime.now().uptimeNanoseconds))
                let reply: (status: Int, body: JSONValue)
                if batchSize == 1 {
                    reply = connection.request("POST", "/api/tasks/submit", json: ["type": "echo", "data": ["t0": now, "prompt": "hi"]])
                } else {
                    let items = (0..<n).map { _ in JSONValue.object(["type": "echo", "data": ["t0": now, "prompt": "hi"]]) }
                    reply = connection.request("POST", "/api/tasks/batch", json: ["tasks": .array(items)])
                }
                precondition(reply.status == 201, "submit refused: \(reply.body)")
                sent += n
            }
        }
        let submitted = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let total = perSubmitter * submitters
        while completed.load(ordering: .relaxed) < total { Thread.sleep(forTimeInterval: 0.001) }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let cpu = meter.orchestrators() - cpuBefore
        let postgresCPU = (meter.postgres?() ?? .nan) - postgresBefore
        stop.store(true, ordering: .relaxed)
        done.wait()
        var result: [String: Any] = [
            "mode": batched ? "batched_\(batchSize)" : "one_task_per_request",
            "results": resultsInBatches ? "batched" : "one_per_request",
            "submitters": submitters, "tasks": total, "seconds": elapsed,
            "tasks_per_second": (Double(total) / elapsed).rounded(),
            "orchestrator_cpu_ms_per_task": (cpu / Double(total) * 1e6).rounded() / 1000,
            "submit_to_completed_ms": Stats(latencies.withLock { $0 }).json,
            "submitted_per_second": (Double(total) / submitted).rounded(),
        ]
        if ports.count > 1 || meter.postgres != nil { result["nodes"] = ports.count }
        if meter.postgres != nil, postgresCPU.isFinite {
            result["postgres_cpu_ms_per_task"] = (postgresCPU / Double(total) * 1e6).rounded() / 1000
            result["total_cpu_ms_per_task"] = ((cpu + postgresCPU) / Double(total) * 1e6).rounded() / 1000
        }
        if resultsInBatches { result["results_batched"] = resultsBatched.load(ordering: .relaxed) }
        return result
    }

    /// Posts the results of `leased`: in one request while the batch endpoint answers 200,
    /// else (for good, once it does not) one request per task.
    private func report(_ leased: [JSONValue], worker id: String, on connection: RawHTTPConnection, batched: borrowing Atomic<Bool>) {
        let results = leased.map { task -> JSONValue in
            ["task_id": task["task_id"]!, "lease": task["lease"]!, "result": ["success": true, "output": "ok"]]
        }
        if batched.load(ordering: .relaxed) {
            let reply = connection.request("POST", Self.resultsBatchPath(id), json: ["results": .array(results)])
            if reply.status == 200 { return }
            batched.store(false, ordering: .relaxed)
        }
        for (task, result) in zip(leased, results) {
            let ack = connection.request("POST", "/api/tasks/\(task["task_id"]!.stringValue!)/result",
                                         json: ["worker_id": .string(id), "lease": result["lease"]!, "result": result["result"]!])
            precondition(ack.status == 200, "result refused: \(ack.body)")
        }
    }
}
