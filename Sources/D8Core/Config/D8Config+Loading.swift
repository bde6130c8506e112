import Foundation
import Yams

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension D8Config {
    /// Reads and parses a config file; `${VAR}`s come from `environment`.
    public static func load(
        path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> LoadedConfig {
        try parse(yaml: try readFile(path), file: path, environment: environment)
    }

    /// Parses config text; `file` names it in errors and warnings.
    public static func parse(yaml: String, file: String, environment: [String: String]) throws(ConfigError) -> LoadedConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError(yamlError: error, file: file)
        }
        var reader = ConfigReader(file: file, environment: environment)
        guard let root else { return LoadedConfig(config: D8Config(), warnings: []) }
        let config = try reader.config(ConfigField(name: "", path: "", node: root, keyLine: nil))
        return LoadedConfig(config: config, warnings: reader.warnings)
    }

    /// The repository's `config.yaml` read with an empty environment: what `d8 serve` runs on by default.
    public static var embeddedDefault: D8Config { parsedEmbeddedDefault }

    private static let parsedEmbeddedDefault: D8Config = {
        do {
            return try parse(yaml: embeddedYAML, file: "config.yaml (built in)", environment: [:]).config
        } catch {
            fatalError("the built-in config.yaml is invalid: \(error)")  // a test parses it on every run
        }
    }()

    /// POSIX reads, so the message says why (`No such file or directory`, `Permission denied`...).
    private static func readFile(_ path: String) throws(ConfigError) -> String {
        func failure(_ reason: String) -> ConfigError {
            ConfigError(file: path, line: nil, key: "", message: "cannot read config file \(path): \(reason)")
        }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw failure(String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure(String(cString: strerror(errno)))
            }
            bytes += buffer[..<n]
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw failure("not UTF-8 text") }
        return text
    }
}
