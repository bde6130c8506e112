import Testing
@testable import D8Core

@Suite("TaskQueue ordering, aging, removal and limits")
struct TaskQueueTests {
    @Test func popsHigherPriorityFirstThenFIFO() throws {
        let queue = try TaskQueue(capacityPerPriority: 64)
        let pushes: [(UInt64, Int)] = [(1, 5), (2, 9), (3, 5), (4, 1), (5, 9), (6, 10), (7, 5)]
        for (id, priority) in pushes { try queue.push(id, priority: priority, now: 0) }
        #expect(queue.count == 7)
        let order = (0..<7).compactMap { _ in queue.pop(now: 0)?.id }
        #expect(order == [6, 2, 5, 1, 3, 7, 4])
        #expect(queue.pop(now: 0) == nil)
        #expect(queue.count == 0)
    }

    @Test func reportsPriorityAndEnqueueTime() throws {
        let queue = try TaskQueue(capacityPerPriority: 8)
        try queue.push(42, priority: 7, now: 1234)
        let task = try #require(queue.pop(now: 2000))
        #expect(task == QueuedTask(id: 42, priority: 7, effectivePriority: 7, enqueuedAt: 1234))
    }

    @Test func agingRaisesWaitingTasksSoLowPrioritiesDoNotStarve() throws {
        let queue = try TaskQueue(capacityPerPriority: 64, agingInterval: 100)
        try queue.push(1, priority: 1, now: 0)     // waits 1000 ticks: 1 + 10 = 11 at t=1000
        try queue.push(2, priority: 10, now: 950)  // waits 50: stays 10
        try queue.push(3, priority: 8, now: 800)   // waits 200: 8 + 2 = 10, older than task 2
        let first = try #require(queue.pop(now: 1000))
        #expect(first.id == 1)
        #expect(first.effectivePriority == 11)
        #expect(queue.pop(now: 1000)?.id == 3) // tie at 10: the older head wins
        #expect(queue.pop(now: 1000)?.id == 2)
    }

    @Test func withoutAgingAnOldLowTaskStillWaits() throws {
        let queue = try TaskQueue(capacityPerPriority: 8)
        try queue.push(1, priority: 1, now: 0)
        try queue.push(2, priority: 2, now: 1_000_000)
        #expect(queue.pop(now: 2_000_000)?.id == 2)
    }

    @Test func peekShowsWhatPopTakes() throws {
        let queue = try TaskQueue(capacityPerPriority: 8, agingInterval: 10)
        #expect(queue.peek(now: 0) == nil)
        try queue.push(1, priority: 3, now: 0)
        try queue.push(2, priority: 6, now: 25)
        let peeked = try #require(queue.peek(now: 40)) // 3 + 4 = 7 beats 6 + 1 = 7? tie: older wins
        #expect(peeked.id == 1 && peeked.effectivePriority == 7)
        #expect(queue.pop(now: 40) == peeked)
        #expect(queue.count == 1)
    }

    @Test func removesQueuedTasksByID() throws {
        let queue = try TaskQueue(capacityPerPriority: 16)
        for id in 1...6 as ClosedRange<UInt64> { try queue.push(id, priority: id.isMultiple(of: 2) ? 7 : 3, now: id) }
        #expect(queue.remove(4))
        #expect(queue.remove(1))
        #expect(!queue.remove(4), "a task is removed once")
        #expect(!queue.remove(99), "an unknown id is not found")
        #expect(queue.count == 4)
        let order = (0..<4).compactMap { _ in queue.pop(now: 10)?.id }
        #expect(order == [2, 6, 3, 5])
        #expect(queue.pop(now: 10) == nil)
        #expect(!queue.remove(2), "a popped task cannot be removed")
    }

    @Test func aFullPriorityRefusesThePushAndKeepsEveryTask() throws {
        let queue = try TaskQueue(capacityPerPriority: 5) // rounded up to 8
        #expect(queue.capacityPerPriority == 8)
        for id in 1...8 as ClosedRange<UInt64> { try queue.push(id, priority: 4, now: 0) }
        #expect(throws: QueueError.full(priority: 4, capacity: 8)) { try queue.push(9, priority: 4, now: 0) }
        try queue.push(10, priority: 5, now: 0) // other priorities have their own room
        #expect(queue.count == 9)
        #expect(queue.pop(now: 0)?.id == 10)
        #expect(queue.pop(now: 0)?.id == 1)
        try queue.push(9, priority: 4, now: 0) // room again after a pop
        let rest = (0..<8).compactMap { _ in queue.pop(now: 0)?.id }
        #expect(rest == [2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func rejectsBadArguments() throws {
        let queue = try TaskQueue(capacityPerPriority: 8)
        #expect(throws: QueueError.invalidPriority(0)) { try queue.push(1, priority: 0, now: 0) }
        #expect(throws: QueueError.invalidPriority(11)) { try queue.push(1, priority: 11, now: 0) }
        #expect(throws: QueueError.invalidID(0)) { try queue.push(0, priority: 5, now: 0) }
        #expect(throws: QueueError.invalidID(.max)) { try queue.push(.max, priority: 5, now: 0) }
        #expect(throws: QueueError.invalidCapacity(0)) { try TaskQueue(capacityPerPriority: 0) }
        #expect(QueueError.invalidPriority(0).description == "priority must be an integer from 1 to 10, got 0")
    }

    @Test func wrapsAroundTheRingManyTimes() throws {
        let queue = try TaskQueue(capacityPerPriority: 4)
        var next: UInt64 = 1
        for round in 0..<1000 {
            for _ in 0..<3 { try queue.push(next, priority: 1 + round % 10, now: 0); next += 1 }
            for expected in (next - 3)..<next { #expect(queue.pop(now: 0)?.id == expected) }
        }
        #expect(queue.count == 0)
    }
}

