import ArgumentParser
import D8Core
import Dispatch
import Foundation
import HeapModule
import Synchronization

/// Push and pop throughput of the CCore queue against a baseline measured in the same run:
/// swift-collections' `Heap` behind a `Mutex`.
///
/// Each thread repeats: push a batch of tasks at mixed priorities, then pop as many. Every push
/// and every pop counts as one operation.
struct QueueBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "queue", abstract: "Priority queue throughput.")

    @Option(help: "Operations per thread in one run.")
    var ops = 4_000_000

    @Option(help: "Runs per configuration; the median is reported.")
    var runs = 7

    @Option(help: "Tasks a thread pushes before popping as many.")
    var batch = 256

    @Flag(help: "Print JSON (the only output format; kept for symmetry with other benchmarks).")
    var json = false

    func run() throws {
        var results: [[String: Any]] = []
        var medians: [String: Double] = [:]
        for threads in [1, 2] {
            // Runs interleave the candidates, so a noisy moment on the machine hits all of them.
            var samplesByCandidate: [Candidate: [Double]] = [:]
            for _ in 0..<runs {
                for candidate in Candidate.allCases { samplesByCandidate[candidate, default: []].append(measure(candidate, threads: threads)) }
            }
            for candidate in Candidate.allCases {
                let samples = samplesByCandidate[candidate]!
                let median = samples.sorted()[samples.count / 2]
                medians["\(candidate.rawValue)@\(threads)"] = median
                results.append([
                    "queue": candidate.rawValue, "threads": threads,
                    "ops_per_sec_median": median.rounded(), "ops_per_sec_runs": samples.map { $0.rounded() },
                ])
            }
        }
        let report: [String: Any] = [
            "benchmark": "queue",
            "ops_per_thread": ops, "batch": batch, "runs": runs,
            "cores": ProcessInfo.processInfo.activeProcessorCount,
            "results": results,
            "ccore_vs_baseline": [
                "1_thread": medians["ccore@1"]! / medians["baseline_heap_mutex@1"]!,
                "2_threads": medians["ccore@2"]! / medians["baseline_heap_mutex@2"]!,
            ],
        ]
        let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    enum Candidate: String, CaseIterable {
        case ccore, ccoreAging = "ccore_aging", baseline = "baseline_heap_mutex"
    }

    /// Operations per second of `threads` threads sharing one queue of the candidate's kind.
    func measure(_ candidate: Candidate, threads: Int) -> Double {
        switch candidate {
        case .ccore: measure(try! TaskQueue(capacityPerPriority: 1 << 16), threads: threads)
        case .ccoreAging: measure(try! TaskQueue(capacityPerPriority: 1 << 16, agingInterval: 1_000), threads: threads)
        case .baseline: measure(MutexHeap(), threads: threads)
        }
    }

    /// Generic so that each queue gets a specialised loop, with no existential in the way.
    func measure<Queue: BenchQueue>(_ queue: Queue, threads: Int) -> Double {
        let rounds = ops / (2 * batch)
        let priorities = (0..<batch).map { 1 + ($0 * 7919) % 10 }
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            var id = UInt64(thread) << 40 | 1
            for round in 0..<rounds {
                let now = UInt64(round)
                for p in priorities {
                    queue.pushOne(id, priority: p, now: now)
                    id += 1
                }
                for _ in 0..<batch { queue.popOne(now: now) }
            }
        }
        let elapsed = ContinuousClock.now - start
        return Double(rounds * 2 * batch * threads) / elapsed.seconds
    }
}

protocol BenchQueue: Sendable {
    func pushOne(_ id: UInt64, priority: Int, now: UInt64)
    func popOne(now: UInt64)
}

extension TaskQueue: BenchQueue {
    func pushOne(_ id: UInt64, priority: Int, now: UInt64) {
        do { try push(id, priority: priority, now: now) } catch { fatalError("\(error)") }
    }
    func popOne(now: UInt64) { _ = pop(now: now) }
}

/// The baseline: a binary heap (max first, FIFO within a priority) behind a mutex.
final class MutexHeap: BenchQueue {
    struct Entry: Comparable {
        let priority: Int
        let sequence: UInt64
        let id: UInt64
        static func < (a: Entry, b: Entry) -> Bool {
            a.priority != b.priority ? a.priority < b.priority : a.sequence > b.sequence
        }
    }

    private let state = Mutex<(heap: Heap<Entry>, sequence: UInt64)>((Heap(), 0))

    func pushOne(_ id: UInt64, priority: Int, now: UInt64) {
        state.withLock {
            $0.sequence += 1
            $0.heap.insert(Entry(priority: priority, sequence: $0.sequence, id: id))
        }
    }

    func popOne(now: UInt64) { _ = state.withLock { $0.heap.popMax() } }
}
