/// Every route d8 serves, by name. D8's older protocol routes are kept so its workers run as
/// they are.
extension Route {
    public static let health = Route("GET", "/health", .open)
    public static let openAPI = Route("GET", "/openapi.yaml", .open)

    public static let submit = Route("POST", "/api/tasks/submit", .client)
    public static let submitBatch = Route("POST", "/api/tasks/batch", .client)
    public static let status = Route("GET", "/api/tasks/status/{task_id}", .client)
    public static let cancel = Route("POST", "/api/tasks/{task_id}/cancel", .client)
    public static let queue = Route("GET", "/api/tasks/queue", .client)
    public static let stats = Route("GET", "/api/stats", .client)
    public static let workerStats = Route("GET", "/api/workers/stats", .client)
    public static let workers = Route("GET", "/api/workers/list", .client)
    public static let submitJob = Route("POST", "/api/jobs", .client)
    public static let job = Route("GET", "/api/jobs/{job_id}", .client)
    public static let cancelJob = Route("POST", "/api/jobs/{job_id}/cancel", .client)
    /// Prometheus' scrape: the whole orchestrator's figures, so an admin key's.
    public static let metrics = Route("GET", "/metrics", .admin)

    /// The OpenAI-compatible front door: the OpenAI API key is a client key.
    public static let chatCompletions = Route("POST", "/v1/chat/completions", .client)
    public static let models = Route("GET", "/v1/models", .client)
    public static let model = Route("GET", "/v1/models/{model}", .client)
    /// A worker type's model ("groq/llama-3.3-70b-versatile") has a slash of its own.
    public static let ownedModel = Route("GET", "/v1/models/{model}/{provider_model}", .client)

    public static let register = Route("POST", "/api/workers/register", .worker)
    public static let heartbeat = Route("POST", "/api/workers/{worker_id}/heartbeat", .worker)
    public static let lease = Route("GET", "/api/workers/{worker_id}/tasks", .worker)
    public static let unregister = Route("POST", "/api/workers/{worker_id}/unregister", .worker)
    public static let result = Route("POST", "/api/tasks/{task_id}/result", .worker)
    public static let results = Route("POST", "/api/workers/{worker_id}/results", .worker)
    /// A streamed task's answer as it is written, relayed to the client that waits for it.
    public static let deltas = Route("POST", "/api/tasks/{task_id}/deltas", .worker)
    /// D8's result endpoint, with the task id in the body.
    public static let legacyResult = Route("POST", "/api/workers/results", .worker)
    /// D8's unregister, with the worker id in the body.
    public static let legacyUnregister = Route("POST", "/api/workers/unregister", .worker)

    public static let all: [Route] = [
        health, openAPI, submit, submitBatch, status, cancel, queue, stats, workerStats, workers, metrics,
        submitJob, job, cancelJob, chatCompletions, models, model, ownedModel,
        register, heartbeat, lease, unregister, result, results, deltas, legacyResult, legacyUnregister,
    ]

    /// The methods `path` takes, empty when no route has that path: what tells a known path
    /// asked with the wrong method (405) from one nothing serves (404).
    public static func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/")
        return all.filter { $0.matches(segments: parts) }.map(\.method)
    }

    /// The route a request is for, nil when none is; the most literal pattern wins. Every
    /// request asks (auth takes its role from it), so the path is split once.
    public static func matching(method: String, path: String) -> Route? {
        let parts = path.split(separator: "/")
        var best: Route?
        for route in all where route.method == method && route.matches(segments: parts) {
            if best.map({ route.literalCount > $0.literalCount }) ?? true { best = route }
        }
        return best
    }
}
