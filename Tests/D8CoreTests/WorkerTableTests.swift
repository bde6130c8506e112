import Dispatch
import Synchronization
import Testing
@testable import D8Core
import D8Harness

@Suite("WorkerTable: membership, slots, heartbeats and the reaper")
struct WorkerTableTests {
    @Test func registersAndCountsFreeSlotsPerType() throws {
        let table = try WorkerTable(capacity: 8, typeCount: 3)
        try table.register(10, type: 0, slots: 4, now: 100)
        try table.register(11, type: 0, slots: 2, now: 100)
        try table.register(12, type: 2, slots: 1, now: 100)
        #expect(table.count == 3)
        #expect(table.freeSlots(type: 0) == 6)
        #expect(table.freeSlots(type: 1) == 0)
        #expect(table.freeSlots(type: 2) == 1)
        #expect(table.worker(11) == WorkerRow(id: 11, type: 0, totalSlots: 2, busySlots: 0, lastHeartbeat: 100, state: .online))
        #expect(table.worker(99) == nil)
    }

    @Test func slotsAreTakenAndGivenBack() throws {
        let table = try WorkerTable(capacity: 4, typeCount: 1)
        try table.register(1, type: 0, slots: 2, now: 0)
        #expect(try table.acquireSlot(1))
        #expect(try table.acquireSlot(1))
        #expect(try !table.acquireSlot(1), "both slots are busy")
        #expect(table.worker(1)?.state == .busy)
        #expect(table.freeSlots(type: 0) == 0)
        try table.releaseSlot(1)
        #expect(table.worker(1)?.state == .online)
        #expect(table.freeSlots(type: 0) == 1)
        try table.releaseSlot(1)
        #expect(throws: WorkerTableError.noBusySlot(1)) { try table.releaseSlot(1) }
        #expect(throws: WorkerTableError.notFound(7)) { try table.acquireSlot(7) }
    }

    @Test func drainingWorkersOfferNoSlots() throws {
        let table = try WorkerTable(capacity: 4, typeCount: 1)
        try table.register(1, type: 0, slots: 3, now: 0)
        #expect(try table.acquireSlot(1))
        try table.drain(1)
        #expect(table.worker(1)?.state == .draining)
        #expect(table.freeSlots(type: 0) == 0)
        #expect(try !table.acquireSlot(1))
        try table.releaseSlot(1) // it finishes what it held
        #expect(table.worker(1)?.busySlots == 0)
        #expect(table.freeSlots(type: 0) == 0)
    }

    @Test func registeringAgainStartsAfresh() throws {
        let table = try WorkerTable(capacity: 4, typeCount: 2)
        try table.register(1, type: 0, slots: 2, now: 0)
        #expect(try table.acquireSlot(1))
        try table.register(1, type: 1, slots: 5, now: 50)
        #expect(table.count == 1)
        #expect(table.worker(1) == WorkerRow(id: 1, type: 1, totalSlots: 5, busySlots: 0, lastHeartbeat: 50, state: .online))
        #expect(table.freeSlots(type: 0) == 0)
        #expect(table.freeSlots(type: 1) == 5)
    }

    @Test func theReaperDeclaresSilentWorkersDeadOnce() throws {
        let table = try WorkerTable(capacity: 8, typeCount: 1)
        try table.register(1, type: 0, slots: 1, now: 0)
        try table.register(2, type: 0, slots: 1, now: 0)
        try table.register(3, type: 0, slots: 1, now: 0)
        try table.heartbeat(2, now: 50)
        try table.drain(3)
        #expect(table.reap(now: 60, timeout: 60).isEmpty, "exactly at the timeout is still alive")
        #expect(Set(table.reap(now: 100, timeout: 60)) == [1, 3])
        #expect(table.reap(now: 100, timeout: 60).isEmpty, "each death is reported once")
        #expect(table.worker(1)?.state == .dead)
        #expect(table.freeSlots(type: 0) == 1)
        #expect(throws: WorkerTableError.dead(1)) { try table.heartbeat(1, now: 101) }
        #expect(throws: WorkerTableError.dead(1)) { try table.acquireSlot(1) }
        try table.remove(1)
        #expect(throws: WorkerTableError.notFound(1)) { try table.heartbeat(1, now: 101) }
        try table.register(1, type: 0, slots: 1, now: 102) // a dead worker may come back
        #expect(table.worker(1)?.state == .online)
    }

    @Test func refusesBadArgumentsAndAFullTable() throws {
        #expect(throws: WorkerTableError.invalidSize(capacity: 0, typeCount: 1)) { try WorkerTable(capacity: 0, typeCount: 1) }
        let table = try WorkerTable(capacity: 2, typeCount: 1)
        #expect(throws: WorkerTableError.unknownType(1)) { try table.register(1, type: 1, slots: 1, now: 0) }
        #expect(throws: WorkerTableError.invalidSlots(0)) { try table.register(1, type: 0, slots: 0, now: 0) }
        #expect(throws: WorkerTableError.invalidID(0)) { try table.register(0, type: 0, slots: 1, now: 0) }
        try table.register(1, type: 0, slots: 1, now: 0)
        try table.register(2, type: 0, slots: 1, now: 0)
        #expect(throws: WorkerTableError.tableFull(capacity: 2)) { try table.register(3, type: 0, slots: 1, now: 0) }
        try table.remove(2)
        try table.register(3, type: 0, slots: 1, now: 0) // the freed row is reused
        #expect(table.worker(3) != nil && table.worker(1) != nil && table.worker(2) == nil)
    }

    @Test func lookupsSurviveChurnOfManyWorkers() throws {
        let table = try WorkerTable(capacity: 1000, typeCount: 1)
        for round in 0..<20 {
            let base = UInt64(round * 1000)
            for id in base + 1...base + 1000 { try table.register(id, type: 0, slots: 1, now: 0) }
            #expect(table.count == 1000)
            for id in base + 1...base + 1000 { #expect(table.worker(id) != nil); try table.remove(id) }
        }
        #expect(table.count == 0)
        #expect(table.freeSlots(type: 0) == 0)
    }

    /// Threads take and give back slots on shared workers while others heartbeat and a reaper
    /// runs: the free-slot counts end exact, and no slot is over-taken. Six acquirers, each
    /// holding up to two slots at once, race for two slots a worker, so a lost update in the
    /// table would let more holders in than there are slots; the holders are counted outside
    /// the table, which cannot be trusted to count its own mistake.
    @Test func concurrentSlotsHeartbeatsAndReaperAgree() throws {
        let types = 3, workersPerType = 2, slots = 2, acquirers = 6, heldAtOnce = 2
        let table = try WorkerTable(capacity: 64, typeCount: types)
        let ids = (0..<types * workersPerType).map { UInt64($0 + 1) }
        for id in ids { try table.register(id, type: Int(id) % types, slots: slots, now: 0) }
        let holders = Locked([UInt64: Int]())
        let overTaken = Atomic<Int>(0)
        #expect(acquirers * heldAtOnce > slots, "more would-be holders than slots, or nothing can be over-taken")

        onThreads(2 + acquirers) { thread in
            var rng = SeededGenerator(seed: UInt64(thread))
            for step in 0..<20_000 {
                let id = ids[Int(rng.next() % UInt64(ids.count))]
                switch thread {
                case 0: try? table.heartbeat(id, now: UInt64(step))
                case 1: _ = table.reap(now: 10, timeout: 1_000_000) // nobody is that late
                default:
                    var got = 0
                    for _ in 0..<heldAtOnce where (try? table.acquireSlot(id)) == true {
                        got += 1
                        let held = holders.withLock { $0[id, default: 0] += 1; return $0[id]! }
                        if held > slots { overTaken.add(1, ordering: .relaxed) }
                        if let row = table.worker(id), row.busySlots > row.totalSlots { overTaken.add(1, ordering: .relaxed) }
                    }
                    for _ in 0..<got {
                        holders.withLock { $0[id, default: 0] -= 1 }
                        try? table.releaseSlot(id)
                    }
                }
            }
        }
        #expect(overTaken.load(ordering: .relaxed) == 0)
        for type in 0..<types { #expect(table.freeSlots(type: type) == workersPerType * slots) }
        for id in ids { #expect(table.worker(id)?.busySlots == 0) }
    }

    /// Two reapers race over 2,000 silent workers: each is reported exactly once.
    @Test func racingReapersReportEachDeathOnce() throws {
        let table = try WorkerTable(capacity: 2000, typeCount: 1)
        for id in 1...2000 as ClosedRange<UInt64> { try table.register(id, type: 0, slots: 2, now: 0) }
        let reported = Locked<[UInt64]>([])
        onThreads(2) { _ in
            let dead = table.reap(now: 100, timeout: 10)
            reported.withLock { $0 += dead }
        }
        let all = reported.withLock { $0 }
        #expect(all.count == 2000)
        #expect(Set(all).count == 2000)
        #expect(table.freeSlots(type: 0) == 0)
    }
}

