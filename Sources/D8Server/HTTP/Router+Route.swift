import D8Wire
import Hummingbird

extension Router<D8RequestContext> {
    /// Serves `route` with `handler`: the route table says where, the controller what.
    func add(_ route: Route, use handler: @escaping @Sendable (Request, D8RequestContext) async throws -> Response) {
        on(RouterPath(route.routerPath), method: HTTPRequest.Method(route.method)!, use: handler)
    }
}
