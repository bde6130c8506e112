/// Where workers look for provider plugins (`.so` files).
public struct PluginsConfig: Sendable, Equatable {
    public var dir = "./Plugins"

    public init() {}
}
