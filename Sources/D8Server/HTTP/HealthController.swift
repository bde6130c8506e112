import Hummingbird

/// `GET /health`, in the shape D8 clients and load balancers already read.
struct HealthController {
    struct Health: ResponseEncodable {
        let status = "healthy"
        let service = "d8-orchestrator"
        let workersOnline: Int
        let tasksPending: Int
        let tasksInProgress: Int

        enum CodingKeys: String, CodingKey {
            case status, service
            case workersOnline = "workers_online"
            case tasksPending = "tasks_pending"
            case tasksInProgress = "tasks_in_progress"
        }
    }

    var endpoints: RouteCollection<BasicRequestContext> {
        let routes = RouteCollection(context: BasicRequestContext.self)
        routes.get("/health") { _, _ in
            // The scheduler lands with the orchestrator issue; until then nothing is queued.
            Health(workersOnline: 0, tasksPending: 0, tasksInProgress: 0)
        }
        return routes
    }
}
