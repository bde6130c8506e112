/// `${VAR}` and `${VAR:-default}` in config scalars, read from the environment; `$${` writes a literal `${`.
/// A default runs to the first `}` and is taken as written (no nesting); like the shell, `:-` also
/// applies when the variable is set but empty.
enum EnvironmentSubstitution {
    enum Outcome: Equatable {
        case value(String)
        /// A variable without a default is unset: the caller treats the whole value as absent.
        case unset(variable: String)
    }

    struct Failure: Error {
        let message: String
    }

    static func apply(_ text: String, environment: [String: String]) throws(Failure) -> Outcome {
        var out = ""
        var unset: String?
        var rest = text[...]
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            let tail = rest[dollar...]
            if tail.hasPrefix("$${") {
                out += "${"
                rest = tail.dropFirst(3)
                continue
            }
            guard tail.hasPrefix("${") else {
                out += "$"
                rest = tail.dropFirst()
                continue
            }
            let body = tail.dropFirst(2)
            guard let close = body.firstIndex(of: "}") else {
                throw Failure(message: "unterminated ${ (write $${ for a literal ${)")
            }
            rest = body[body.index(after: close)...]
            let (name, fallback) = split(body[..<close])
            guard isVariableName(name) else {
                throw Failure(message: "${\(name)} does not name an environment variable")
            }
            if let value = environment[String(name)], fallback == nil || !value.isEmpty {
                out += value
            } else if let fallback {
                out += fallback
            } else if unset == nil {
                unset = String(name)
            }
        }
        out += rest
        return unset.map { .unset(variable: $0) } ?? .value(out)
    }

    /// `NAME:-default` into its name and default.
    private static func split(_ expression: Substring) -> (Substring, Substring?) {
        var i = expression.startIndex
        while i < expression.endIndex {
            let next = expression.index(after: i)
            if expression[i] == ":", next < expression.endIndex, expression[next] == "-" {
                return (expression[..<i], expression[expression.index(after: next)...])
            }
            i = next
        }
        return (expression, nil)
    }

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic)
        else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) }
    }
}
