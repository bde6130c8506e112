@testable import D8Server
import D8Core
import D8Store

/// A scheduler as a plain value with its own clock: events in, effects out, no sockets or sleeps.
/// Worker types: `local` (free), `cheap` ($1 per Mtok either way) and `dear` ($10 per Mtok);
/// task types `chat` (dear, cheap, local; cheapest first unless changed) and `echo` (local).
struct SchedulerHarness {
    var scheduler: Scheduler
    var now = 1_000_000.0
    private var ids = 0

    static let yaml = """
        queue:
          task_timeout: 10s
          worker_timeout: 30s
          max_attempts: 3
          aging: 60s
          retry_backoff: 1s
          retry_backoff_max: 8s
        worker_types:
          local: {plugin: x, default_model: m, slots: 1, prices: {m: {input_usd_per_mtok: 0, output_usd_per_mtok: 0}}}
          cheap: {plugin: x, default_model: m, slots: 1, prices: {m: {input_usd_per_mtok: 1, output_usd_per_mtok: 1}}}
          dear: {plugin: x, default_model: m, slots: 1, prices: {m: {input_usd_per_mtok: 10, output_usd_per_mtok: 10}}}
        task_types:
          chat: {route: [dear, cheap, local], strategy: ordered, spill_after: 5s, max_tokens: 1000}
          echo: {route: [local]}
        """

    init(extra: String = "", _ change: (inout D8Config) -> Void = { _ in }) throws {
        var config = try D8Config.parse(yaml: Self.yaml + "\n" + extra, file: "test.yaml", environment: [:]).config
        change(&config)
        let budget = BudgetBook(config: config.budgets, clientLimits: [:], now: 1_000_000)
        scheduler = Scheduler(config: config, budget: budget, leasePrefix: "test", seed: 42)
    }

    mutating func advance(_ seconds: Double) -> SchedulerEffects {
        now += seconds
        return scheduler.tick(now: now)
    }

    /// Submits and accepts (as if the store wrote it), returning the task id.
    @discardableResult
    mutating func submit(_ type: String = "echo", priority: Int = 5, data: JSONValue = ["prompt": "hi"], key: String? = nil, maxCost: Double? = nil, client: String? = nil) throws -> String {
        let submission = Submission(type: type, data: data, priority: priority, idempotencyKey: key, maxCostUSD: maxCost)
        var counter = ids
        let admissions = try scheduler.admit([submission], client: client, stored: [:], now: now) {
            counter += 1
            return "task-\(counter)"
        }
        ids = counter
        guard case let .new(live)? = admissions.first else {
            if case let .existing(record)? = admissions.first { return record.taskID }
            return ""
        }
        _ = scheduler.accept([live], now: now)
        return live.record.taskID
    }

    mutating func register(_ id: String, type: String = "local", slots: Int? = nil) throws {
        let capabilities: JSONValue = slots.map { ["slots": JSONValue($0)] } ?? [:]
        _ = try scheduler.register(workerID: id, workerType: type, capabilities: capabilities, now: now)
    }

    /// What one poll takes now (no waiting).
    mutating func lease(_ worker: String, max: Int = 1) throws -> [LiveTask] {
        try scheduler.lease(workerID: worker, max: max, now: now, deadline: now).tasks
    }

    mutating func report(_ task: LiveTask, by worker: String? = nil, success: Bool = true, extra: [String: JSONValue] = [:]) throws -> Scheduler.ReportOutcome {
        var result: [String: JSONValue] = ["success": .bool(success), "output": "done"]
        for (key, value) in extra { result[key] = value }
        return try scheduler.report(taskID: task.record.taskID, workerID: worker ?? task.record.assignedTo ?? "", lease: task.record.lease, result: .object(result), now: now)
    }

    func status(_ id: String) -> TaskRecord.Status? { scheduler.task(id: id)?.record.status }
    func record(_ id: String) -> TaskRecord? { scheduler.task(id: id)?.record }
}
