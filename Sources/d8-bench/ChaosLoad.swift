import D8Client
import D8Core
import Foundation
import Synchronization

/// Concurrent submitters at a steady pace. A submit that gets no answer (the orchestrator was
/// killed, or is restarting) is sent again with the same idempotency key until it is
/// answered, so a task committed but unanswered is found, not duplicated.
final class ChaosLoad: Sendable {
    struct Tally {
        /// Task id per idempotency key, as answered; every id any answer gave for the key.
        var idsByKey: [String: Set<String>] = [:]
        var created = 0, repeated = 0, retries = 0
        var refusals: [String] = []
        /// Answers that were retried, by kind: "unreachable", or the HTTP status.
        var failures: [String: Int] = [:]
        /// 500 answers (a server fault, not "unavailable"): retried, but each one is reported.
        var internalErrors: [String] = []
    }

    let tasks: Int
    let duration: Duration
    let submitters: Int
    let seed: UInt64
    private let next = Atomic<Int>(0)
    let tally = Mutex(Tally())
    private let url: @Sendable () -> String

    init(tasks: Int, duration: Duration, submitters: Int, seed: UInt64, url: @escaping @Sendable () -> String) {
        self.tasks = tasks
        self.duration = duration
        self.submitters = submitters
        self.seed = seed
        self.url = url
    }

    /// Runs the submitters on their own threads; `done` is signalled when every task is answered.
    func start(done: DispatchSemaphore) {
        let start = ContinuousClock.now
        let group = DispatchGroup()
        for _ in 0..<submitters {
            group.enter()
            Thread { [self] in
                while case let index = next.add(1, ordering: .relaxed).oldValue, index < tasks {
                    let due = start + duration * (Double(index) / Double(tasks))
                    if due > .now { Thread.sleep(forTimeInterval: (due - .now).seconds) }
                    submit(index)
                }
                group.leave()
            }.start()
        }
        group.notify(queue: .global()) { done.signal() }
    }

    private func submit(_ index: Int) {
        let key = "chaos-\(seed)-\(index)"
        let body: JSONValue = ["type": "chaos", "data": ["n": JSONValue(index)], "idempotency_key": .string(key)]
        while true {
            let endpoint = APIEndpoint(baseURL: url(), token: nil)
            switch endpoint.call("POST", "/api/tasks/submit", body: body, timeout: .seconds(5)) {
            case let .success(answer):
                tally.withLock { tally in
                    if let id = answer["task_id"]?.stringValue { tally.idsByKey[key, default: []].insert(id) }
                    if answer["duplicate"] == .bool(true) { tally.repeated += 1 } else { tally.created += 1 }
                }
                return
            case let .failure(error) where error.status == nil || error.status! >= 500:
                // No answer, or "shutting down": the same submit again, same key.
                tally.withLock { tally in
                    tally.retries += 1
                    tally.failures[error.status.map { "\($0)" } ?? "unreachable", default: 0] += 1
                    if error.status == 500 { tally.internalErrors.append("\(key): \(error)") }
                }
                Thread.sleep(forTimeInterval: 0.05)
            case let .failure(error):
                tally.withLock { $0.refusals.append("\(key): \(error)") }
                return
            }
        }
    }
}
