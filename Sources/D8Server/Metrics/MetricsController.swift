import D8Wire
import Hummingbird

/// `GET /metrics`: Prometheus' text format, for an admin key (or anyone on loopback without keys).
struct MetricsController {
    let orchestrator: Orchestrator

    func addRoutes(to router: Router<D8RequestContext>) {
        router.add(.metrics, use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: D8RequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(bytes: orchestrator.metricsExposition())))
    }
}

/// Requests by route, method and status, and their durations. Outermost, so it sees every
/// answer, refusals included. The route is the router's
/// pattern ("/api/tasks/status/{task_id}"), or "unmatched": never a raw path, which would let
/// a stranger make series without end.
struct HTTPMetricsMiddleware: RouterMiddleware {
    let metrics: OrchestratorMetrics

    func handle(_ request: Request, context: D8RequestContext, next: (Request, D8RequestContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, since: start)
            return response
        } catch {
            // Refusals leave as errors (ErrorMiddleware's APIError), written by the server.
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: D8RequestContext, status: Int, since start: ContinuousClock.Instant) {
        // Hummingbird names a path no route has "NotFound".
        let route = context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 } ?? "unmatched"
        let method = request.method.rawValue
        metrics.count("d8_http_requests_total", ["route": route, "method": method, "status": "\(status)"])
        metrics.record("d8_http_request_duration_seconds", ["route": route, "method": method], seconds: (ContinuousClock.now - start).seconds)
    }
}
