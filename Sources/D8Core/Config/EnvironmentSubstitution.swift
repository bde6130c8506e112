import Foundation

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
            guard tail.hasPrefix("${") else {
                let escaped = tail.hasPrefix("$${")  // a literal `${`; any other `$` is itself
                out += escaped ? "${" : "$"
                rest = tail.dropFirst(escaped ? 3 : 1)
                continue
            }
            let body = tail.dropFirst(2)
            guard let close = body.firstIndex(of: "}") else {
                throw Failure(message: "unterminated ${ (write $${ for a literal ${)")
            }
            rest = body[body.index(after: close)...]
            let expression = body[..<close]
            let marker = expression.range(of: ":-")
            let name = marker.map { expression[..<$0.lowerBound] } ?? expression
            let fallback = marker.map { expression[$0.upperBound...] }
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

    private static func isVariableName(_ name: Substring) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }
}
