import Yams

extension ConfigError {
    /// A YAML syntax error at its line. Yams' own description quotes the offending line,
    /// which may hold a secret, so only libyaml's problem text is kept.
    init(yamlError error: any Error, file: String, yaml: String) {
        switch error as? YamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = "invalid YAML: " + (context.map { "\($0.text), " } ?? "") + problem
            // `{ key: ${VAR} }` is the likely culprit: braces end a plain value inside flow collections.
            if message.contains("flow"), yaml.contains("${") {
                message += #" (inside { } or [ ], quote a value holding a variable: "${VAR}")"#
            }
            self.init(file: file, line: mark.line, key: "", message: message)
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            let message = "invalid YAML: \(names) written twice in a mapping"
            self.init(file: file, line: context.mark.line, key: "", message: message)
        default:  // bad encoding or out of memory: no line to point at
            self.init(file: file, line: nil, key: "", message: "\(file): cannot parse YAML")
        }
    }
}
