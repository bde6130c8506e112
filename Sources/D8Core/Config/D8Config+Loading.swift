import Foundation
import Yams

extension D8Config {
    /// Reads and parses a config file; `${VAR}`s come from `environment`.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> LoadedConfig {
        try parse(yaml: try readFile(path), file: path, environment: environment)
    }

    /// Parses config text; `file` names it in errors and warnings.
    public static func parse(
        yaml: String, file: String, environment: [String: String]
    ) throws(ConfigError) -> LoadedConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(yamlError: error, file: file, yaml: yaml)
        }
        guard let root else { return LoadedConfig(config: D8Config(), warnings: []) }
        var reader = ConfigReader(file: file, environment: environment)
        let config = try reader.config(ConfigField(name: "", path: "", node: root, keyLine: nil))
        return LoadedConfig(config: config, warnings: reader.warnings)
    }

    /// The repository's `config.yaml` read with an empty environment: what `d8 serve` runs on by default.
    public static let embeddedDefault: D8Config = {
        do {
            return try parse(yaml: embeddedYAML, file: "config.yaml (built in)", environment: [:]).config
        } catch {
            fatalError("the built-in config.yaml is invalid: \(error)")  // a test parses it on every run
        }
    }()

    private static func readFile(_ path: String) throws(ConfigError) -> String {
        var reason = "not UTF-8 text"
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            if let text = String(data: data, encoding: .utf8) { return text }
        } catch {
            // The POSIX reason (`No such file or directory`, `Permission denied`...) says it best.
            let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? POSIXError
            reason = posix.map { String(cString: strerror($0.code.rawValue)) } ?? error.localizedDescription
        }
        throw ConfigError(file: path, line: nil, key: "", message: "cannot read config file \(path): \(reason)")
    }
}
