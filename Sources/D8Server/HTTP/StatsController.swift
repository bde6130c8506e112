import D8Core
import Foundation
import D8Wire
import Hummingbird

/// `/health`, `/api/stats` (and D8's alias `/api/workers/stats`).
struct StatsController {
    let orchestrator: Orchestrator

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.health, use: health)
        router.add(.stats, use: stats)
        router.add(.workerStats, use: stats)
    }

    @Sendable func health(_ request: Request, context: D8RequestContext) async throws -> Response {
        let live = orchestrator.liveCounts()
        var body: [String: JSONValue] = [
            "status": "healthy", "service": "d8-orchestrator", "workers_online": JSONValue(live.workersOnline),
            "tasks_pending": JSONValue(live.pending), "tasks_in_progress": JSONValue(live.assigned),
            // D8 wrote an ISO-8601 UTC time here; `time` is the same as Unix seconds.
            "timestamp": .string(Date().formatted(.iso8601)), "time": .number(Orchestrator.epochNow()),
        ]
        // A cluster node: which one, and its counts are its own (workers here, tasks it holds).
        if let cluster = orchestrator.cluster { body["node"] = .string(cluster.nodeID) }
        return .json(.object(body))
    }

    @Sendable func stats(_ request: Request, context: D8RequestContext) async throws -> Response {
        .json(try await orchestrator.statistics(for: context.viewer).json)
    }
}
