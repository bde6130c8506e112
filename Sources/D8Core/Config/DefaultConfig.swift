extension D8Config {
    /// The repository's config.yaml, compiled in (Config/config.yaml links to it): what `d8 serve`
    /// runs on without --config, and the starting point `d8 config` prints.
    public static let embeddedYAML = String(decoding: PackageResources.config_yaml, as: UTF8.self)
}
