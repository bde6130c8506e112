/// Where workers look for provider plugins (`.so` files).
public struct PluginsConfig: Sendable, Equatable {
    public var dir: String

    public init(dir: String = "./Plugins") {
        self.dir = dir
    }
}
