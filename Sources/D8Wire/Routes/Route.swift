import Foundation

/// One endpoint of d8's HTTP API: its method, its path pattern and who may call it. The server
/// registers its handlers from these, auth takes its roles from them, the client builds its
/// calls with them, and a test holds docs/openapi.yaml to the same list.
public struct Route: Sendable, Hashable, CustomStringConvertible {
    /// Who may call a route: anyone, a client (a client key), or a worker (the worker token).
    public enum Role: Sendable { case open, client, worker }

    public let method: String
    /// The pattern as the OpenAPI document writes it: "/api/tasks/status/{task_id}".
    public let path: String
    public let role: Role

    init(_ method: String, _ path: String, _ role: Role) {
        self.method = method
        self.path = path
        self.role = role
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
    public func matches(path requestPath: some StringProtocol) -> Bool {
        let parts = requestPath.split(separator: "/")
        let pattern = segments
        return parts.count == pattern.count
            && zip(pattern, parts).allSatisfy { pattern, part in pattern.hasPrefix("{") || pattern == part }
    }

    /// Literal segments: where two patterns match one path ("/api/tasks/status/x" and
    /// "/api/tasks/{task_id}/cancel" cannot both, but a literal beats a parameter), the more literal wins.
    var literalCount: Int { segments.count { !$0.hasPrefix("{") } }

    private static let segmentCharacters = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
}
