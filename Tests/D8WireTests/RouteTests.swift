import D8Core
import D8Wire
import Testing

@Suite("Routes: one table for paths, methods and roles")
struct RouteTests {
    @Test func pathsArePercentEncodedPerSegment() {
        #expect(Route.status.path("t-1") == "/api/tasks/status/t-1")
        #expect(Route.heartbeat.path("pc josé") == "/api/workers/pc%20jos%C3%A9/heartbeat")
        #expect(Route.lease.path("a/b?c#d") == "/api/workers/a%2Fb%3Fc%23d/tasks")
        #expect(Route.submit.path() == "/api/tasks/submit")
    }

    @Test func routerPathsUseTheRoutersNotation() {
        #expect(Route.cancel.routerPath == "/api/tasks/:task_id/cancel")
        #expect(Route.health.routerPath == "/health")
    }

    @Test func matchingPrefersLiteralSegments() {
        #expect(Route.matching(method: "POST", path: "/api/workers/register") == .register)
        #expect(Route.matching(method: "POST", path: "/api/workers/unregister") == .legacyUnregister)
        #expect(Route.matching(method: "POST", path: "/api/workers/results") == .legacyResult)
        #expect(Route.matching(method: "POST", path: "/api/workers/w%201/results") == .results)
        #expect(Route.matching(method: "GET", path: "/api/workers/list") == .workers)
        #expect(Route.matching(method: "DELETE", path: "/api/workers/list") == nil)
        #expect(Route.matching(method: "GET", path: "/api/nothing") == nil)
    }

    @Test func methodsTellA405FromA404() {
        #expect(Route.methods(for: "/api/tasks/submit") == ["POST"])
        #expect(Route.methods(for: "/api/tasks/status/x") == ["GET"])
        #expect(Route.methods(for: "/api/tasks/x/y/z").isEmpty)
    }

    @Test func rolesFollowTheProtocol() {
        #expect(Route.all.filter { $0.role == .open } == [.health, .openAPI])
        #expect(Route.all.filter { $0.role == .worker }.count == 9)
        #expect(Route.result.role == .worker && Route.workers.role == .client && Route.workerStats.role == .client)
    }
}
