import D8Core
import D8Store
import Logging

/// What events did, in the orchestrator's log: the scheduler's notices, and each task that
/// ended, with its task id, worker id and worker type as fields (`--log-format json` makes
/// each one a key a log shipper can index).
extension Orchestrator {
    func log(_ effects: SchedulerEffects) {
        for notice in effects.notices {
            logger.log(level: notice.level, "\(notice.message)", metadata: notice.metadata.mapValues { .string($0) })
        }
        for record in effects.finished {
            var metadata: Logger.Metadata = ["task_id": "\(record.taskID)", "task_type": "\(record.type)", "attempt": "\(record.attempt)"]
            if let worker = record.assignedTo { metadata["worker_id"] = "\(worker)" }
            if let workerType = record.workerType { metadata["worker_type"] = "\(workerType)" }
            switch record.status {
            case .completed:
                if let cost = record.costUSD { metadata["cost_usd"] = "\(cost)" }
                logger.debug("task completed", metadata: metadata)
            case .failed, .dead:
                // Failures are rare: the kept error list is parsed for its last entry only here.
                if let last = (try? JSONValue.parse(record.errors))?.arrayValue?.last?["error"]?.stringValue { metadata["error"] = "\(last)" }
                logger.warning(record.status == .dead ? "task dead: attempts used up" : "task failed", metadata: metadata)
            default:
                logger.info("task \(record.status.rawValue)", metadata: metadata)
            }
        }
    }
}
