import D8Client
import D8Core
import Foundation
import Logging

/// A result waiting to reach the orchestrator, with what the runtime needs once it has.
struct FinishedTask: Sendable {
    let task: HeldTask
    let report: ResultReport
    let executeStarted: ContinuousClock.Instant
    let executeEnded: ContinuousClock.Instant

    /// Past this the lease has surely expired: the orchestrator has handed the task out again
    /// and could only refuse this result.
    var giveUp: ContinuousClock.Instant { task.leased + task.timeout + .seconds(30) }
}

/// Sends results on one thread, so the results that finish while a request is in flight go out
/// together in the next one: `POST /api/workers/{id}/results`, one request and one commit for
/// all of them. A lone result takes the single endpoint that every orchestrator has; an
/// orchestrator without the batch endpoint (D8's answers 404 or 405) gets single results from
/// then on. An unreachable or failing (5xx) orchestrator is retried until each lease has
/// surely expired (with several orchestrators, the API has by then moved to the next, which
/// gets the results: any node of a shared database takes any task's result); a refusal (409:
/// the lease was lost) is final.
final class ResultReporter: @unchecked Sendable { // mutable state only under `condition`
    static let maxBatch = 1000

    private let api: WorkerAPI
    private let logger: Logger
    /// Called once for every result, on the reporter's thread: whether the orchestrator took it.
    private let settled: @Sendable (FinishedTask, _ accepted: Bool) -> Void
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var queue: [FinishedTask] = []
    private var inFlight = 0
    private var giveUpAt: ContinuousClock.Instant?
    private var closed = false
    // The reporter thread's own:
    private var batchesWork = true

    init(api: WorkerAPI, logger: Logger, settled: @escaping @Sendable (FinishedTask, _ accepted: Bool) -> Void) {
        self.api = api
        self.logger = logger
        self.settled = settled
    }

    /// Starts the reporter's thread, which ends after `finish`.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "d8 worker results"
        thread.start()
    }

    func submit(_ result: FinishedTask) {
        condition.lock()
        guard !closed else {
            condition.unlock()
            settled(result, false) // after finish: the unregister has handed the task back
            return
        }
        queue.append(result)
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until every submitted result is settled, giving up on those the orchestrator has
    /// not taken by `deadline`; then the reporter's thread ends.
    func finish(giveUpAfter deadline: ContinuousClock.Instant) {
        condition.lock()
        giveUpAt = deadline
        condition.broadcast()
        while !queue.isEmpty || inFlight > 0 { condition.wait() }
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        while let batch = nextBatch() {
            send(batch)
            condition.lock()
            inFlight = 0
            condition.broadcast()
            condition.unlock()
        }
    }

    private func nextBatch() -> [FinishedTask]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty, !closed { condition.wait() }
        guard !queue.isEmpty else { return nil }
        let batch = Array(queue.prefix(Self.maxBatch))
        queue.removeFirst(batch.count)
        inFlight = batch.count
        return batch
    }

    /// Sends until each result is taken, refused or given up.
    private func send(_ batch: [FinishedTask]) {
        var unsent = batch[...]
        var oneByOne = batch.count == 1 || !batchesWork
        var backoff = Backoff()
        while let first = unsent.first {
            let failure: APICallError
            if oneByOne {
                switch api.report(first.report) {
                case .success:
                    settled(first, true)
                    unsent.removeFirst()
                    continue
                case let .failure(error) where error.isRefusal:
                    logger.warning("result refused", metadata: [
                        "task_id": "\(first.report.taskID)", "error": "\(error)", "orchestrator": "\(api.endpoint.baseURL)",
                    ])
                    settled(first, false)
                    unsent.removeFirst()
                    continue
                case let .failure(error):
                    failure = error
                }
            } else {
                switch api.report(unsent.map(\.report)) {
                case let .success(outcomes):
                    unsent = settle(unsent, outcomes)
                    oneByOne = true // any the answer left out go one by one
                    continue
                case let .failure(error) where error.status == 405 || (error.status == 404 && error.code == nil):
                    logger.info("this orchestrator takes results one at a time", metadata: ["answer": "\(error)"])
                    batchesWork = false
                    oneByOne = true
                    continue
                case let .failure(error) where error.isRefusal:
                    // Refused as a whole (too large, say): one at a time, each gets its own answer.
                    oneByOne = true
                    continue
                case let .failure(error):
                    failure = error
                }
            }
            unsent = giveUpExpired(unsent, lastError: failure)
            if !unsent.isEmpty { pause(backoff.next()) }
        }
    }

    /// Settles the results the batch answer names; returns those it left out.
    private func settle(_ sent: ArraySlice<FinishedTask>, _ outcomes: [ResultOutcome]) -> ArraySlice<FinishedTask> {
        let byTask = Dictionary(outcomes.map { ($0.taskID, $0) }, uniquingKeysWith: { first, _ in first })
        var unanswered: [FinishedTask] = []
        for result in sent {
            guard let outcome = byTask[result.report.taskID] else {
                unanswered.append(result)
                continue
            }
            if outcome.isRefused {
                logger.warning("result refused", metadata: [
                    "task_id": "\(result.report.taskID)", "error": "\(outcome.error ?? outcome.status)", "orchestrator": "\(api.endpoint.baseURL)",
                ])
            }
            settled(result, !outcome.isRefused)
        }
        return unanswered[...]
    }

    private func giveUpExpired(_ unsent: ArraySlice<FinishedTask>, lastError: APICallError) -> ArraySlice<FinishedTask> {
        condition.lock()
        let drainEnds = giveUpAt
        condition.unlock()
        let now = ContinuousClock.now
        return unsent.filter { result in
            let deadline = drainEnds.map { min($0, result.giveUp) } ?? result.giveUp
            guard now > deadline else { return true }
            logger.error("gave up reporting a result", metadata: ["task_id": "\(result.report.taskID)", "error": "\(lastError)"])
            settled(result, false)
            return false
        }
    }

    /// Sleeps `seconds`, or less when `finish` sets a deadline meanwhile.
    private func pause(_ seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        condition.lock()
        let before = giveUpAt
        while giveUpAt == before, Date() < deadline { _ = condition.wait(until: deadline) }
        condition.unlock()
    }
}

extension APICallError {
    /// The orchestrator heard the call and said no (4xx): asking again gets the same answer.
    var isRefusal: Bool { (400..<500).contains(status ?? 0) }
}
