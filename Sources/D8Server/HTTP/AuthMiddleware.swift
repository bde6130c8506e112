import D8Core
import D8Wire
import Hummingbird

/// Bearer-token auth with three roles: clients (client keys; admin keys are client keys that see
/// every client's tasks), operators (admin keys only: metrics) and workers (the worker token).
/// A missing or wrong token is a 401; the other role's token is a 403. A role whose secret is
/// not configured is open, which `buildApplication` says in its start-up log.
struct AuthMiddleware: RouterMiddleware {
    let workerToken: String?
    let clientKeys: [ClientKey]

    func handle(_ request: Request, context: D8RequestContext, next: (Request, D8RequestContext) async throws -> Response) async throws -> Response {
        if workerToken == nil && clientKeys.isEmpty { return try await next(request, context) } // auth off: loopback only
        let role = Self.role(method: request.method.rawValue, path: request.uri.path)
        let token = Self.bearer(request.headers[.authorization])
        var context = context
        switch role {
        case .open:
            break
        case .worker:
            guard let expected = workerToken else { break }
            if let token, constantTimeEquals(token, expected) { break }
            if let token, clientKeys.contains(where: { constantTimeEquals(token, $0.key) }) {
                throw APIError(.forbidden, "a client key cannot call worker endpoints")
            }
            throw APIError(.unauthorized, token == nil ? "this endpoint needs 'Authorization: Bearer <worker token>'" : "the worker token is not valid")
        case .client, .admin:
            // Without client keys whoever may call is a client and the operator (loopback).
            guard !clientKeys.isEmpty else { break }
            let admin = role == .admin
            if let token, let key = clientKeys.first(where: { constantTimeEquals(token, $0.key) }) {
                if admin, !key.isAdmin { throw APIError(.forbidden, "this endpoint needs an admin key (auth.admin_keys)") }
                context.clientName = key.name
                context.viewer = Viewer(key)
                break
            }
            if let token, let expected = workerToken, constantTimeEquals(token, expected) {
                throw APIError(.forbidden, admin ? "the worker token cannot call this endpoint; it needs an admin key (auth.admin_keys)"
                                                 : "the worker token cannot call client endpoints")
            }
            let kind = admin ? "admin key" : "client key"
            throw APIError(.unauthorized, token == nil ? "this endpoint needs 'Authorization: Bearer <\(kind)>'" : "the \(kind) is not valid")
        }
        return try await next(request, context)
    }

    /// The route's role; a path asked with another method keeps its path's role, and a path
    /// no route has needs a client key (so a stranger learns nothing of what exists).
    static func role(method: String, path: String) -> Route.Role {
        // The dashboard signs browsers in itself, with a cookie (UIController).
        if path == "/ui" || path.hasPrefix("/ui/") { return .open }
        if let route = Route.matching(method: method, path: path) { return route.role }
        return Route.all.first { $0.matches(path: path) }?.role ?? .client
    }

    static func bearer(_ header: String?) -> String? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// Compares secrets in time that depends only on their lengths, not on where they differ.
func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}
