import Foundation

/// One endpoint of d8's HTTP API: its method, its path pattern and who may call it. The server
/// registers its handlers from these, auth takes its roles from them, the client builds its
/// calls with them, and a test holds docs/openapi.yaml to the same list.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// Who may call a route: anyone, a client (a client key), an operator (an admin key), or a
    /// worker (the worker token).
    public enum Role: Sendable { case open, client, admin, worker }

    public let method: String
    /// The pattern as the OpenAPI document writes it: "/api/tasks/status/{task_id}".
    public let path: String
    public let role: Role
    /// The pattern split once, for matching every request: a literal, or nil for a parameter.
    private let pattern: [Substring?]
    /// Literal segments: where two patterns match one path ("/api/workers/results" and
    /// "/api/workers/{worker_id}/results" cannot both, but a literal beats a parameter), the more literal wins.
    let literalCount: Int

    init(_ method: String, _ path: String, _ role: Role) {
        self.method = method
        self.path = path
        self.role = role
        pattern = path.split(separator: "/").map { $0.hasPrefix("{") ? nil : $0 }
        literalCount = pattern.count { $0 != nil }
    }

    public var description: String { "\(method) \(path)" }

    var segments: [Substring] { path.split(separator: "/") }

    /// The pattern in the router's notation: "/api/tasks/status/:task_id".
    public var routerPath: String {
        "/" + segments.map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : $0 }.joined(separator: "/")
    }

    /// The path with its parameters filled in order, each percent-encoded, so an id may hold
    /// any character ("pc josé" → "pc%20jos%C3%A9").
    public func path(_ values: String...) -> String { path(values) }

    public func path(_ values: [String]) -> String {
        var values = values.makeIterator()
        let filled = segments.map { segment in
            guard segment.hasPrefix("{") else { return String(segment) }
            guard let value = values.next() else { preconditionFailure("\(self) needs a value for \(segment)") }
            return value.addingPercentEncoding(withAllowedCharacters: Self.segmentCharacters) ?? value
        }
        return "/" + filled.joined(separator: "/")
    }

    /// Whether a request path (percent-encoded, without its query) is this route's pattern.
    public func matches(path requestPath: String) -> Bool {
        matches(segments: requestPath.split(separator: "/"))
    }

    /// The same for a path already split at its slashes (once for all routes).
    func matches(segments parts: [Substring]) -> Bool {
        parts.count == pattern.count && zip(pattern, parts).allSatisfy { literal, part in literal.map { $0 == part } ?? true }
    }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
}
