import D8Core
import D8Harness
import Foundation
import Testing

/// The short chaos run: `d8-bench chaos` (built beside `d8`) kills the orchestrator twice and
/// workers four times under 2,000 submits, then checks the store and the Echo plugins' execution
/// log. Exit 0 means no task answered 201 was lost, duplicated, run twice or left unfinished.
@Suite("Chaos: SIGKILLs under load")
struct ChaosTests {
    @Test(.timeLimit(.minutes(3)))
    func noAcceptedTaskIsLostOrDuplicatedThroughKills() throws {
        let bench = D8Binary.url.deletingLastPathComponent().appendingPathComponent("d8-bench")
        let result = try run(bench.path, [
            "chaos", "--tasks", "2000", "--duration", "20", "--orchestrator-kills", "2", "--worker-kills", "4",
            "--seed", "7", "--plugins-dir", Repository.plugins, "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let report = try JSONValue.parse(Array(result.stdout.utf8))
        #expect(report["submitted"] == 2000)
        #expect(report["completed"] == 2000, "\(result.stdout)")
        for count in ["lost", "duplicated", "stuck", "failed"] { #expect(report[count] == 0, "\(count): \(result.stdout)") }
        // Kills counted as they landed; every worker kill picks a worker holding leases when one does.
        #expect(report["orchestrator_kills"] == 2, "\(result.stdout)")
        #expect(report["worker_kills"] == 4, "\(result.stdout)")
        #expect((report["worker_kills_holding_leases"]?.intValue ?? 0) > 0, "\(result.stdout)")
        #expect((report["retried_tasks"]?.intValue ?? 0) > 0, "kills of lease holders send tasks round again: \(result.stdout)")
        #expect((report["executions"]?.intValue ?? 0) >= 2000, "every task ran, by the Echo plugins' log: \(result.stdout)")
        #expect((report["answered_201"]?.intValue ?? 0) + (report["answered_repeat"]?.intValue ?? 0) == 2000)
        #expect((report["submit_retries"]?.intValue ?? 0) > 0, "the orchestrator kills hit submits in flight")
    }
}
