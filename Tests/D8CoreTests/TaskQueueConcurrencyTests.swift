import Dispatch
import Synchronization
import Testing
@testable import D8Core
import D8Harness

@Suite("TaskQueue under concurrent producers and consumers")
struct TaskQueueConcurrencyTests {
    /// 4 producers and 4 consumers move a million tasks across all priorities: every task comes
    /// out exactly once.
    @Test func aMillionTasksNothingLostNothingTwice() throws {
        let total = 1_000_000, producers = 4, consumers = 4
        let queue = try TaskQueue(capacityPerPriority: 1 << 14, agingInterval: 50)
        let popped = Atomic<Int>(0)
        let seen = SeenIDs()
        let giveUpAt = ContinuousClock.now + .seconds(300) // a few seconds when all is well, even under TSan

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
                        // A lost task would keep every consumer spinning and hang the whole run:
                        // past the deadline they stop, and the expectations below say what is missing.
                        emptyPops += 1
                        if emptyPops % 4096 == 0, ContinuousClock.now > giveUpAt { break }
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
