/// A parsed config and what was odd but not fatal about it (unknown keys, unset variables).
public struct LoadedConfig: Sendable, Equatable {
    public var config: D8Config
    /// Each like `config.yaml:12: queue.agin: unknown key (known: aging, capacity, ...)`.
    public var warnings: [String]

    public init(config: D8Config, warnings: [String]) {
        self.config = config
        self.warnings = warnings
    }
}
