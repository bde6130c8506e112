import Yams

extension ConfigError {
    /// A YAML syntax error at its line. Yams' own description quotes the offending line,
    /// which may hold a secret, so only libyaml's problem text is kept.
    init(yamlError error: any Error, file: String) {
        switch error as? YamlError {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let message = "invalid YAML: " + (context.map { "\($0.text), " } ?? "") + problem
            self.init(file: file, line: mark.line, key: "", message: message)
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            self.init(file: file, line: context.mark.line, key: "", message: "invalid YAML: \(names) written twice in one mapping")
        case let .reader(problem, _, _, _):
            self.init(file: file, line: nil, key: "", message: "\(file): invalid YAML: \(problem)")
        default:
            self.init(file: file, line: nil, key: "", message: "\(file): cannot parse YAML")
        }
    }
}
