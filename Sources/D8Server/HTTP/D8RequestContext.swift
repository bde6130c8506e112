import Hummingbird

/// The request context of every d8 route: who is calling, as the auth middleware found out.
struct D8RequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The name of the client key used, when the caller is a client with a key.
    var clientName: String?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
