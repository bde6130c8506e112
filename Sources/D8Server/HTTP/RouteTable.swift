/// The API's routes as the OpenAPI document lists them (a test keeps the document and the
/// router in step): what tells a known path asked with the wrong method (405, with the methods
/// it takes) from a path nothing serves (404). Hummingbird's router answers both 404.
struct RouteTable: Sendable {
    /// Path patterns as segments ("{id}" matches any one segment) with their methods.
    private let routes: [(segments: [Substring], methods: [String])]

    static let api = RouteTable(openAPI: OpenAPIDocument.yaml)

    /// Reads the `paths:` section: a path is a two-space-indented key, its methods the
    /// four-space-indented keys under it.
    init(openAPI text: String) {
        var routes: [(segments: [Substring], methods: [String])] = []
        var inPaths = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.isEmpty, !line.hasPrefix(" "), !line.hasPrefix("#") { inPaths = line.hasPrefix("paths:") }
            guard inPaths, line.hasSuffix(":") else { continue }
            let key = line.dropLast().trimmingPrefix(while: { $0 == " " })
            let indent = line.count - line.drop(while: { $0 == " " }).count
            if indent == 2, key.hasPrefix("/") {
                routes.append((key.split(separator: "/"), []))
            } else if indent == 4, ["get", "post", "put", "delete", "patch"].contains(String(key)), !routes.isEmpty {
                routes[routes.count - 1].methods.append(key.uppercased())
            }
        }
        self.routes = routes
    }

    /// The methods `path` takes, empty when no route has that path.
    func methods(for path: String) -> [String] {
        let segments = path.split(separator: "/")
        return routes.filter { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.hasPrefix("{") || pattern == segment }
        }.flatMap(\.methods)
    }
}
