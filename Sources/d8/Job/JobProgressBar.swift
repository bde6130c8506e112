import D8Client
import Foundation
import Synchronization

/// "[#######.............] 350/1000 · 2 failed · $0.0350 · ETA 40s" on stderr while a job runs,
/// redrawn as the job's long-polls answer and cleared at the end. Only on a terminal.
enum JobProgressBar {
    /// Waits for the job; draws the bar when stderr is a terminal.
    static func wait(_ client: D8Client, for jobID: String, timeout: Double) async throws -> JobStatus {
        guard isatty(STDERR_FILENO) == 1 else { return try await client.waitJob(jobID, timeout: .seconds(timeout)) }
        let started = ContinuousClock.now
        let first = Mutex<(at: ContinuousClock.Instant, finished: Int)?>(nil)
        defer { write("\r\u{1B}[K") }
        return try await client.waitJob(jobID, timeout: .seconds(timeout)) { job in
            let now = ContinuousClock.now
            let origin = first.withLock { state in
                if state == nil { state = (now, job.finished) }
                return state!
            }
            write("\r\u{1B}[K" + line(job, elapsed: (now - started).seconds, rate: rate(job, since: origin, now: now)))
        }
    }

    static func line(_ job: JobStatus, elapsed: Double, rate: Double?) -> String {
        let width = 24
        let filled = job.total == 0 ? width : width * job.finished / job.total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let left = job.total - job.finished
        let eta = rate.map { left == 0 ? "done" : "ETA \(Format.duration(Double(left) / $0))" } ?? "ETA -"
        return "[\(bar)] \(job.finished)/\(job.total) · \(job.failures) failed · \(Format.usd(job.costUSD)) · \(eta) · \(Format.duration(elapsed))"
    }

    /// Tasks finished per second since the first answer, nil until some finished.
    private static func rate(_ job: JobStatus, since origin: (at: ContinuousClock.Instant, finished: Int), now: ContinuousClock.Instant) -> Double? {
        let seconds = (now - origin.at).seconds, done = job.finished - origin.finished
        return seconds > 0.5 && done > 0 ? Double(done) / seconds : nil
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
