@testable import D8Core

/// Parses as if from a file named config.yaml, so messages read like the real ones.
func parseConfig(_ yaml: String, env: [String: String] = [:]) throws(ConfigError) -> LoadedConfig {
    try D8Config.parse(yaml: yaml, file: "config.yaml", environment: env)
}

/// The error's full text, or nil when the config parsed.
func configError(_ yaml: String, env: [String: String] = [:]) -> String? {
    do {
        _ = try parseConfig(yaml, env: env)
        return nil
    } catch {
        return error.description
    }
}
