import D8Store
import Testing

@Suite("Store statistics")
struct StatisticsTests {
    /// Ten finished tasks of type "a" with known waits and run times, plus some that must not count.
    static func tasks() -> [TaskRecord] {
        let waits: [Double] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]
        let runs: [Double] = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
        let outcomes: [TaskRecord.Status] = [.completed, .completed, .failed, .completed, .completed,
                                      .dead, .completed, .completed, .completed, .completed]
        var records = (0..<10).map { i in
            var record = task(UInt64(i + 1), type: "a", status: outcomes[i])
            record.createdAt = 1_000 * Double(i + 1)  // later i, newer
            record.assignedAt = record.createdAt + waits[i]
            record.completedAt = record.createdAt + waits[i] + runs[i]
            record.workerType = i < 6 ? "gpu" : "api"
            record.costUSD = 0.25
            return record
        }
        var cancelled = task(11, type: "a", status: .cancelled)  // ran, but cancelled: not sampled
        cancelled.assignedAt = cancelled.createdAt + 500
        cancelled.completedAt = cancelled.createdAt + 900
        cancelled.workerType = "gpu"
        cancelled.costUSD = 1.5
        records += [cancelled, task(12, type: "a"), task(13, type: "b"), task(14, type: "b", status: .held)]
        return records
    }

    @Test func countsPercentilesSuccessRateAndCost() async throws {
        try await withStore { store, _ in
            try await store.write(Self.tasks())
            let statistics = try await store.statistics()

            #expect(Set(statistics.byType.keys) == ["a", "b"])
            let a = try #require(statistics.byType["a"])
            #expect(a.counts == [
                .pending: 1, .assigned: 0, .completed: 8, .failed: 1, .cancelled: 1, .dead: 1, .held: 0, .expired: 0,
            ])
            // Sorted waits 1 1 2 3 3 4 5 5 6 9: nearest rank ⌈0.5·10⌉ = 5th, ⌈0.99·10⌉ = 10th.
            #expect(a.queueWait == Percentiles(p50: 3, p99: 9, count: 10))
            #expect(a.runTime == Percentiles(p50: 50, p99: 100, count: 10))
            #expect(a.successRate == 0.8)

            let b = try #require(statistics.byType["b"])
            #expect(b.counts[.pending] == 1 && b.counts[.held] == 1 && b.counts[.completed] == 0)
            #expect(b.queueWait == nil && b.runTime == nil && b.successRate == nil)

            #expect(statistics.byWorkerType == [
                "gpu": WorkerTypeStatistics(completed: 4, failed: 2, costUSD: 3.0),
                "api": WorkerTypeStatistics(completed: 4, failed: 0, costUSD: 1.0),
            ])
        }
    }

    @Test func samplesOnlyTheNewestFinishedTasks() async throws {
        try await withStore { store, _ in
            try await store.write(Self.tasks())
            // The three newest by completion: waits 6, 5, 3 and runs 80, 90, 100.
            let a = try #require(try await store.statistics(sampleLimit: 3).byType["a"])
            #expect(a.queueWait == Percentiles(p50: 5, p99: 6, count: 3))
            #expect(a.runTime == Percentiles(p50: 90, p99: 100, count: 3))
        }
    }

    @Test func nearestRankPercentiles() {
        #expect(Percentiles(nearestRank: []) == nil)
        #expect(Percentiles(nearestRank: [7]) == Percentiles(p50: 7, p99: 7, count: 1))
        let hundred = (1...100).map(Double.init).reversed()
        #expect(Percentiles(nearestRank: Array(hundred)) == Percentiles(p50: 50, p99: 99, count: 100))
        let three = (1...300).map(Double.init)
        #expect(Percentiles(nearestRank: three) == Percentiles(p50: 150, p99: 297, count: 300))
    }

    @Test func anEmptyStoreHasNoStatistics() async throws {
        try await withStore { store, _ in
            let statistics = try await store.statistics()
            #expect(statistics == StoreStatistics())
        }
    }
}
