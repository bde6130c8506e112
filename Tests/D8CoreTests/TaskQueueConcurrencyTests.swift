import Dispatch
import Foundation
import Synchronization
import Testing
@testable import D8Core
import D8Harness

@Suite("TaskQueue under concurrent producers and consumers", .serialized)
struct TaskQueueConcurrencyTests {
    /// 4 producers and 4 consumers move a million tasks across all priorities: every task comes
    /// out exactly once.
    @Test func aMillionTasksNothingLostNothingTwice() throws {
        let total = 1_000_000, producers = 4, consumers = 4
        let queue = try TaskQueue(capacityPerPriority: 1 << 14, agingInterval: 50)
        let popped = Atomic<Int>(0)
        let seen = SeenIDs()
        let giveUpAt = ContinuousClock.now + .seconds(60) // a few seconds when all is well, even under TSan

        onThreads(producers + consumers) { thread in
            if thread < producers {
                var id = UInt64(thread + 1)
                var rng = SeededGenerator(seed: id)
                while id <= UInt64(total) {
                    do {
                        try queue.push(id, priority: 1 + Int(rng.next() % 10), now: id / 1000)
                        id += UInt64(producers)
                    } catch let error as QueueError {
                        guard case .full = error else { fatalError("push failed: \(error)") }
                    } catch { fatalError("push failed: \(error)") }
                }
            } else {
                var mine: [UInt64] = []
                var emptyPops = 0
                while popped.load(ordering: .relaxed) < total {
                    guard let task = queue.pop(now: UInt64(total / 1000)) else {
                        // A lost task would keep every consumer looking: they yield the core (a
                        // spinning consumer must not starve the other tests sharing the machine)
                        // and stop at the deadline, and the expectations below say what is missing.
                        emptyPops += 1
                        sched_yield()
                        if emptyPops % 1024 == 0, ContinuousClock.now > giveUpAt { break }
                        continue
                    }
                    mine.append(task.id)
                    popped.add(1, ordering: .relaxed)
                }
                seen.add(mine)
            }
        }
        #expect(popped.load(ordering: .relaxed) == total)
        let tally = seen.tally(upTo: total)
        #expect(tally.duplicates == 0)
        #expect(tally.missing == 0)
        #expect(queue.pop(now: 0) == nil)
        #expect(queue.count == 0)
    }

    /// Bursts of three tasks, each drained by four consumers before the next: the last task of a
    /// burst is always found. A consumer that found a level empty used to clear its bit after a
    /// look at the head cell alone; when another consumer was taking that head at the same moment,
    /// the bit stayed clear over the task behind it and no pop saw it again.
    @Test func theLastTaskOfABurstIsAlwaysFound() throws {
        let rounds = 20_000, burst = 3
        let queue = try TaskQueue(capacityPerPriority: 64)
        let popped = Atomic<Int>(0), pushed = Atomic<Int>(0), stop = Atomic<Bool>(false)
        let stuck = Locked<String?>(nil)

        onThreads(5) { thread in
            if thread == 0 {
                defer { stop.store(true, ordering: .releasing) }
                var id: UInt64 = 1
                for round in 0..<rounds {
                    for _ in 0..<burst {
                        try! queue.push(id, priority: 5, now: 0)
                        id += 1
                    }
                    pushed.add(burst, ordering: .releasing)
                    let giveUpAt = ContinuousClock.now + .seconds(10)
                    while popped.load(ordering: .acquiring) < pushed.load(ordering: .relaxed) {
                        guard ContinuousClock.now < giveUpAt else {
                            stuck.withLock { $0 = "round \(round): \(queue.count) task(s) queued that no pop returns" }
                            return
                        }
                        sched_yield()
                    }
                }
            } else {
                while !stop.load(ordering: .acquiring) {
                    if queue.pop(now: 0) != nil { popped.add(1, ordering: .releasing) } else { sched_yield() }
                }
            }
        }
        #expect(stuck.withLock { $0 } == nil)
        #expect(popped.load(ordering: .relaxed) == rounds * burst)
    }

    /// Cancels racing with pops: each task is either removed or popped, never both, never neither.
    @Test func removalRacingWithPopsTakesEachTaskOnce() throws {
        let total = 200_000
        let queue = try TaskQueue(capacityPerPriority: 1 << 18)
        for id in 1...UInt64(total) { try queue.push(id, priority: 1 + Int(id % 10), now: 0) }
        let seen = SeenIDs()

        onThreads(4) { thread in
            var mine: [UInt64] = []
            if thread < 2 {
                while let task = queue.pop(now: 0) { mine.append(task.id) }
            } else {
                // Cancels every third id, from the end so they race with the pops.
                for id in stride(from: UInt64(total) - UInt64(thread - 2), through: 1, by: -2) where id % 3 == 0 {
                    if queue.remove(id) { mine.append(id) }
                }
            }
            seen.add(mine)
        }
        var rest: [UInt64] = []
        while let task = queue.pop(now: 0) { rest.append(task.id) }
        seen.add(rest)
        let tally = seen.tally(upTo: total)
        #expect(tally.duplicates == 0)
        #expect(tally.missing == 0)
        #expect(queue.count == 0)
    }
}

/// Collects the ids each thread took, then checks that 1...n were each taken once.
final class SeenIDs: Sendable {
    private let batches = Locked<[[UInt64]]>([])

    func add(_ ids: [UInt64]) { batches.withLock { $0.append(ids) } }

    func tally(upTo n: Int) -> (duplicates: Int, missing: Int) {
        var counts = [UInt8](repeating: 0, count: n + 1)
        for batch in batches.withLock({ $0 }) { for id in batch { counts[Int(id)] &+= 1 } }
        return (counts.dropFirst().count { $0 > 1 }, counts.dropFirst().count { $0 == 0 })
    }
}
