/// Why a config file was refused, pointing at the file, line and key.
/// Never holds a secret's value: messages name the key only.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    /// 1-based; nil when the problem has no place in the file (say, it cannot be read).
    public let line: Int?
    /// Dotted path such as `queue.worker_timeout` or `auth.client_keys[0].key`; empty for the file itself.
    public let key: String
    public let message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `config.yaml:12: queue.worker_timeout: expected a duration ...`
    public var description: String {
        let place = line.map { "\(file):\($0): " } ?? ""
        return place + (key.isEmpty ? "" : "\(key): ") + message
    }
}
