import Hummingbird
import NIOCore

/// The request context of every d8 route: who is calling, as the auth middleware found out.
struct D8RequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The name of the client key used, when the caller is a client with a key.
    var clientName: String?
    /// Whose tasks the caller sees: a client key its own, an admin key (or anyone, without keys) all.
    var viewer: Viewer = .everyone
    /// The client's connection: its closing tells a waiting request that its caller left.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension D8RequestContext {
    /// A path parameter as the caller meant it: Hummingbird hands it over as it arrived,
    /// percent-encoded, while the same id comes decoded in JSON bodies (a worker registered as
    /// "pc josé" polls `/api/workers/pc%20jos%C3%A9/tasks`).
    func pathParameter(_ name: String) throws(APIError) -> String {
        guard let raw = parameters.get(name), !raw.isEmpty else {
            throw APIError(.badRequest, "the path parameter '\(name)' is empty")
        }
        // Most ids hold no escapes, and Foundation's decoding showed in profiles.
        guard raw.utf8.contains(UInt8(ascii: "%")) else { return String(raw) }
        guard let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, "the path parameter '\(name)' is not valid percent-encoded UTF-8")
        }
        return decoded
    }
}
