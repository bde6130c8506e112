import D8Harness
import D8Core
import Foundation
import Yams

/// What the tests need of docs/openapi.yaml: each operation's method, path, role, parameters
/// and body schema (with `$ref` and `allOf` resolved), read with Yams.
struct APISpec {
    enum Role { case open, client, admin, worker }

    final class Schema: Sendable {
        let type: String?
        let properties: [(name: String, schema: Schema)]
        let required: Set<String>
        let example: JSONValue?
        let minimum: Double?, maximum: Double?
        let minLength: Int?, maxLength: Int?, minItems: Int?, maxItems: Int?
        let items: Schema?

        init(_ node: [String: Any], in spec: [String: Any]) {
            let node = Schema.resolve(node, in: spec)
            type = node["type"] as? String
            var properties: [(name: String, schema: Schema)] = []
            var required = Set(node["required"] as? [String] ?? [])
            for part in [node] + (node["allOf"] as? [Any] ?? []).map({ Schema.resolve(dictionary($0), in: spec) }) {
                required.formUnion(part["required"] as? [String] ?? [])
                for (name, child) in dictionary(part["properties"]).sorted(by: { $0.key < $1.key }) {
                    properties.append((name, Schema(dictionary(child), in: spec)))
                }
            }
            self.properties = properties
            self.required = required
            example = node["example"].map(jsonValue)
            minimum = number(node["minimum"])
            maximum = number(node["maximum"])
            minLength = node["minLength"] as? Int
            maxLength = node["maxLength"] as? Int
            minItems = node["minItems"] as? Int
            maxItems = node["maxItems"] as? Int
            items = node["items"].map { Schema(dictionary($0), in: spec) }
        }

        /// A value the schema accepts: its example, or one built from its properties.
        var sample: JSONValue {
            if let example { return example }
            return .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.schema.sample) }))
        }

        private static func resolve(_ node: [String: Any], in spec: [String: Any]) -> [String: Any] {
            guard let ref = node["$ref"] as? String else { return node }
            let target = ref.dropFirst(2).split(separator: "/").reduce(spec as Any?) { dictionary($0)[String($1)] }
            return resolve(dictionary(target), in: spec)
        }
    }

    struct Parameter {
        let name: String
        let location: String
        let schema: Schema
    }

    struct Operation: CustomStringConvertible {
        let method: String
        let path: String
        let role: Role
        let parameters: [Parameter]
        let body: Schema?
        var description: String { "\(method) \(path)" }
        var query: [Parameter] { parameters.filter { $0.location == "query" } }

        /// The path with each `{name}` replaced.
        func filled(_ value: (String) -> String) -> String {
            var result = path
            for p in parameters where p.location == "path" { result = result.replacingOccurrences(of: "{\(p.name)}", with: value(p.name)) }
            return result
        }
    }

    let operations: [Operation]
    /// The stable codes of d8's error object.
    let errorCodes: [String]

    static let documentURL = Repository.root.appendingPathComponent("docs/openapi.yaml")

    static let shared: APISpec = {
        let text = try! String(contentsOf: documentURL, encoding: .utf8)
        return APISpec(yaml: text)
    }()

    init(yaml: String) {
        let spec = dictionary(try! Yams.load(yaml: yaml))
        let defaultRole = Self.role(spec["security"])
        var operations: [Operation] = []
        for (path, item) in dictionary(spec["paths"]).sorted(by: { $0.key < $1.key }) {
            for (method, op) in dictionary(item) {
                let op = dictionary(op)
                let parameters = (op["parameters"] as? [Any] ?? []).map { raw -> Parameter in
                    let p = Schema.resolveParameter(dictionary(raw), in: spec)
                    return Parameter(name: p["name"] as! String, location: p["in"] as! String, schema: Schema(dictionary(p["schema"]), in: spec))
                }
                let body = dictionary(dictionary(dictionary(op["requestBody"])["content"])["application/json"])["schema"]
                operations.append(Operation(
                    method: method.uppercased(), path: path, role: op["security"] == nil ? defaultRole : Self.role(op["security"]),
                    parameters: parameters, body: body.map { Schema(dictionary($0), in: spec) }
                ))
            }
        }
        errorCodes = dictionary(dictionary(dictionary(dictionary(spec["components"])["schemas"])["Error"])["properties"])["code"]
            .flatMap { dictionary($0)["enum"] as? [String] } ?? []
        self.operations = operations.sorted { ($0.path, $0.method) < ($1.path, $1.method) }
    }

    private static func role(_ security: Any?) -> Role {
        let schemes = (security as? [Any] ?? []).flatMap { dictionary($0).keys }
        if schemes.contains("workerToken") { return .worker }
        if schemes.contains("adminKey") { return .admin }
        return schemes.contains("clientKey") ? .client : .open
    }
}

extension APISpec.Schema {
    static func resolveParameter(_ node: [String: Any], in spec: [String: Any]) -> [String: Any] {
        guard let ref = node["$ref"] as? String else { return node }
        return dictionary(ref.dropFirst(2).split(separator: "/").reduce(spec as Any?) { dictionary($0)[String($1)] })
    }
}

/// Yams gives mappings as `[AnyHashable: Any]` or `[String: Any]`; the tests want string keys.
private func dictionary(_ any: Any?) -> [String: Any] {
    if let d = any as? [String: Any] { return d }
    guard let d = any as? [AnyHashable: Any] else { return [:] }
    return Dictionary(uniqueKeysWithValues: d.map { ("\($0.key)", $0.value) })
}

private func number(_ any: Any?) -> Double? {
    (any as? Int).map(Double.init) ?? (any as? Double)
}

private func jsonValue(_ any: Any) -> JSONValue {
    switch any {
    case let b as Bool: .bool(b)
    case let i as Int: .number(Double(i))
    case let d as Double: .number(d)
    case let s as String: .string(s)
    case let a as [Any]: .array(a.map(jsonValue))
    case is [String: Any], is [AnyHashable: Any]: .object(dictionary(any).mapValues(jsonValue))
    default: .null
    }
}
