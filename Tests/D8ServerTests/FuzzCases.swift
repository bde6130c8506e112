import D8Core
import D8Harness
import Foundation

/// One hostile request and what must come back. Every answer must also keep the invariants
/// `FuzzTests` checks for all: no 5xx, 4xx in d8's error shape, no secret echoed.
struct FuzzCase {
    enum Expect {
        /// Only the invariants.
        case anything
        /// This status, and for a 4xx one of these codes (any when empty).
        case status(Int, codes: Set<String> = [])
        /// Malformed HTTP, refused before d8's router sees it: a 4xx or a closed connection.
        case protocolError
        /// A body that breaks the API's rules (the reason given): any 4xx.
        case clientError(String)
    }

    let label: String
    let bytes: [UInt8]
    var head = false
    var expect: Expect = .anything
}

/// The hand-made cases and the seeded random ones, from the OpenAPI document's operations.
struct FuzzCorpus {
    let spec: APISpec
    let maxBody: Int
    let clientKey: String
    let adminKey: String
    let workerToken: String
    var rng: SeededGenerator

    static let badRequest: Set<String> = ["bad_request", "malformed_json", "missing_field", "invalid_field"]

    var bodyOperations: [APISpec.Operation] { spec.operations.filter { $0.body != nil } }

    func auth(_ role: APISpec.Role) -> [(String, String)] {
        switch role {
        case .open: []
        case .client: [("Authorization", "Bearer \(clientKey)")]
        case .admin: [("Authorization", "Bearer \(adminKey)")]
        case .worker: [("Authorization", "Bearer \(workerToken)")]
        }
    }

    func post(_ op: APISpec.Operation, _ body: [UInt8], contentType: String = "application/json", extra: [(String, String)] = []) -> [UInt8] {
        httpRequest(op.method, op.filled { _ in "t1" }, headers: auth(op.role) + [("Content-Type", contentType)] + extra, body: body)
    }

    // MARK: hand-made

    /// Each body field (and each required or bounded nested one) set to each value of a wrong
    /// type or out of range, and left out when required: a 400 every time.
    func wrongTypes() -> [FuzzCase] {
        var cases: [FuzzCase] = []
        for op in bodyOperations {
            var targets = fields(of: op.body!, at: [])
            if let items = op.body!.properties.first(where: { $0.name == "tasks" })?.schema.items {
                targets += fields(of: items, at: []).map { (path: ["tasks", "0"] + $0.path, schema: $0.schema, required: $0.required) }
            }
            for (path, schema, required) in targets {
                var values = wrongValues(for: schema).map { Optional($0) }
                if required { values += [nil, JSONValue.null] }
                for value in values {
                    let body = op.body!.sample.setting(path, to: value)
                    cases.append(FuzzCase(label: "\(op) \(path.joined(separator: ".")) = \(value?.jsonString ?? "absent")",
                                          bytes: post(op, body.jsonBytes), expect: .status(400, codes: Self.badRequest)))
                }
            }
        }
        return cases
    }

    private func fields(of schema: APISpec.Schema, at path: [String]) -> [(path: [String], schema: APISpec.Schema, required: Bool)] {
        schema.properties.flatMap { name, child -> [(path: [String], schema: APISpec.Schema, required: Bool)] in
            let required = schema.required.contains(name)
            guard path.isEmpty || required || child.minimum != nil else { return [] }
            return [(path + [name], child, required)] + fields(of: child, at: path + [name])
        }
    }

    private func wrongValues(for schema: APISpec.Schema) -> [JSONValue] {
        var values: [JSONValue]
        switch schema.type {
        case "string":
            values = [5, true, [], ["x": 1]]
            if (schema.minLength ?? 0) > 0 { values.append("") }
            if let max = schema.maxLength { values.append(.string(String(repeating: "k", count: max + 1))) }
        case "integer":
            values = ["5", 2.5, true, [], [:], 1e300, -1e300]
            if let min = schema.minimum { values.append(.number(min - 1)) }
            if let max = schema.maximum { values.append(.number(max + 1)) }
        case "number":
            values = ["1", true, [], [:]]
            if let min = schema.minimum { values.append(.number(min - 1)) }
        case "object": values = ["x", 1, true, []]
        case "array":
            values = ["x", 1, [:], []]
            if let max = schema.maxItems { values.append(.array(Array(repeating: [:], count: max + 1))) }
        case "boolean": values = ["true", 1, [], [:]]
        default: values = []
        }
        return values
    }

    /// Every prefix of each operation's sample body: none is JSON, each a 400.
    func truncations() -> [FuzzCase] {
        bodyOperations.flatMap { op in
            let full = op.body!.sample.jsonBytes
            return (0..<full.count).map { n in
                FuzzCase(label: "\(op) truncated at \(n)", bytes: post(op, Array(full[..<n])), expect: .status(400, codes: Self.badRequest))
            }
        }
    }

    static let malformed: [String] = [
        "{", "}", "[", "nul", "tru", "{\"a\":}", "{\"a\" 1}", "{\"a\":1,}", "{'a':1}", "{\"a\":\"\\x\"}", "{\"a\":01}",
        "{\"a\":1e}", "{\"a\":-}", "{\"a\":NaN}", "{\"a\":Infinity}", " ", "\t\n", "{}x", "{}{}", "{\"a\":\"\u{01}\"}",
        "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\\ud800\"}", "\u{FEFF}{}", "{\"a\":1 \"b\":2}",
        "{\"type\":\"echo\",\"data\":{}", "{\"type\":\"echo\",\"data\":{}}}", "{\"\":}", "{,}", "[1,]", "{\"a\":.5}",
        "{\"a\":+1}", "{\"a\":0x10}", "{\"a\":1.}", "{\"a\":\"" + String(repeating: "\\", count: 1001) + "\"}",
        "{\"a\":" + String(repeating: "9", count: 5000) + "}", "{\"a\":1e999999}", "\"just a string\"", "42", "null", "[]",
    ]

    /// Broken JSON, and JSON that is not an object, on every body route: a 400 each.
    func malformedJSON() -> [FuzzCase] {
        bodyOperations.flatMap { op in
            Self.malformed.map { FuzzCase(label: "\(op) malformed \($0.prefix(40))", bytes: post(op, Array($0.utf8)), expect: .status(400, codes: Self.badRequest)) }
        }
    }

    static let badUTF8: [[UInt8]] = [[0xFF], [0xFE, 0xFF], [0xC3], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
                                     [0xF4, 0x90, 0x80, 0x80], [0x80], [0xF0, 0x9F, 0x98], [0xF8, 0x88, 0x80, 0x80, 0x80]]

    /// Invalid UTF-8 inside a string value, inside a key and outside any string: a 400 each.
    func invalidUTF8() -> [FuzzCase] {
        bodyOperations.flatMap { op in
            Self.badUTF8.flatMap { bad -> [FuzzCase] in
                let inValue = Array(#"{"type":"echo","worker_id":"w","data":{"p":"a"#.utf8) + bad + Array(#""}}"#.utf8)
                let inKey = Array(#"{"type":"echo","data":{""#.utf8) + bad + Array(#"":1}}"#.utf8)
                let bare = Array(#"{"type":"echo","data":"#.utf8) + bad + Array("}".utf8)
                return [inValue, inKey, bare].map { FuzzCase(label: "\(op) invalid UTF-8 \(bad)", bytes: post(op, $0), expect: .status(400, codes: Self.badRequest)) }
            }
        }
    }

    /// Nesting in `data` around the parser's limit and far past it: accepted or a 400, never a crash.
    func deepNesting() -> [FuzzCase] {
        let submit = spec.operations.first { $0.path == "/api/tasks/submit" }!
        return [10, 500, 511, 513, 1_000, 20_000].flatMap { depth -> [FuzzCase] in
            let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
            let open = String(repeating: "[", count: depth)
            let expect: FuzzCase.Expect = depth < 510 ? .status(201) : .status(400, codes: Self.badRequest)
            return [arrays, objects].map { inner in
                FuzzCase(label: "depth \(depth)", bytes: post(submit, Array(#"{"type":"echo","data":{"x":\#(inner)}}"#.utf8)), expect: expect)
            } + [FuzzCase(label: "unclosed depth \(depth)", bytes: post(submit, Array(open.utf8)), expect: .status(400, codes: Self.badRequest))]
        }
    }

    /// Bodies over `server.max_body` on every body route, sized or chunked: a 413. Bodies where
    /// none is read: answered all the same, and the connection stays usable.
    func hugeBodies() -> [FuzzCase] {
        var cases: [FuzzCase] = []
        let big = Array(#"{"type":"echo","data":{"p":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: maxBody) + Array(#""}}"#.utf8)
        for op in bodyOperations {
            cases.append(FuzzCase(label: "\(op) body over max_body", bytes: post(op, big), expect: .status(413, codes: ["body_too_large"])))
            let chunked = httpRequest(op.method, op.filled { _ in "t1" }, headers: [("Host", "x")] + auth(op.role) + [("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")], raw: true)
                + Array((String(big.count, radix: 16) + "\r\n").utf8) + big + Array("\r\n0\r\n\r\n".utf8)
            cases.append(FuzzCase(label: "\(op) chunked body over max_body", bytes: chunked, expect: .status(413, codes: ["body_too_large"])))
        }
        cases.append(FuzzCase(label: "GET /health with a big body", bytes: httpRequest("GET", "/health", body: big), expect: .status(200)))
        let stats = spec.operations.first { $0.path == "/api/stats" }!
        cases.append(FuzzCase(label: "GET /api/stats with a big body", bytes: httpRequest("GET", "/api/stats", headers: auth(stats.role), body: big), expect: .status(200)))
        return cases
    }

    /// Paths no route has, and methods a route does not take.
    func unknownRoutes() -> [FuzzCase] {
        let paths = ["/", "/api", "/api/", "/api/nothing", "/api/tasks", "/api/tasks/status", "/api/stats/extra", "/health/x",
                     "/api/tasks/status/x/more", "/API/STATS", "/%2e%2e/etc/passwd", "/api/tasks/a/b/c/d", "/" + String(repeating: "a/", count: 500)]
        var cases = paths.map { FuzzCase(label: "GET \($0.prefix(40))", bytes: httpRequest("GET", $0, headers: auth(.client)), expect: .status(404, codes: ["not_found"])) }
        for op in spec.operations {
            let taken = Set(spec.operations.filter { $0.path == op.path }.map(\.method))
            // A known path asked with a method it does not take.
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"] where !taken.contains(method) {
                cases.append(FuzzCase(label: "\(method) \(op.path)", bytes: httpRequest(method, op.filled { _ in "x" }, headers: auth(op.role)), expect: .status(405, codes: ["method_not_allowed"])))
            }
            // A method the HTTP parser does not know never reaches the router.
            cases.append(FuzzCase(label: "FOO \(op.path)", bytes: httpRequest("FOO", op.filled { _ in "x" }, headers: auth(op.role)), expect: .protocolError))
            cases.append(FuzzCase(label: "HEAD \(op.path)", bytes: httpRequest("HEAD", op.filled { _ in "x" }, headers: auth(op.role)), head: true))
        }
        return cases
    }

    /// Oversized, repeated and malformed headers.
    func headerAbuse() -> [FuzzCase] {
        let stats = auth(.client)
        let submit = spec.operations.first { $0.path == "/api/tasks/submit" }!
        let body = Array(#"{"type":"echo","data":{}}"#.utf8)
        var cases = [
            FuzzCase(label: "16 KB header", bytes: httpRequest("GET", "/api/stats", headers: stats + [("X-Junk", String(repeating: "j", count: 16_000))]), expect: .status(200)),
            FuzzCase(label: "200 headers", bytes: httpRequest("GET", "/api/stats", headers: stats + (0..<200).map { ("X-H\($0)", "v") }), expect: .status(200)),
            FuzzCase(label: "1 MB header", bytes: httpRequest("GET", "/api/stats", headers: stats + [("X-Junk", String(repeating: "j", count: 1 << 20))]), expect: .protocolError),
            FuzzCase(label: "64 KB bearer token", bytes: httpRequest("GET", "/api/stats", headers: [("Authorization", "Bearer " + String(repeating: "t", count: 65_000))]), expect: .status(401, codes: ["unauthorized"])),
            FuzzCase(label: "two tokens, right first", bytes: httpRequest("GET", "/api/stats", headers: stats + [("Authorization", "Bearer wrong")]), expect: .status(401, codes: ["unauthorized"])),
            FuzzCase(label: "two tokens, right last", bytes: httpRequest("GET", "/api/stats", headers: [("Authorization", "Bearer wrong")] + stats), expect: .status(401, codes: ["unauthorized"])),
            FuzzCase(label: "two equal tokens", bytes: httpRequest("GET", "/api/stats", headers: stats + stats), expect: .status(401, codes: ["unauthorized"])),
            FuzzCase(label: "conflicting Content-Length", bytes: httpRequest("POST", "/api/tasks/submit", headers: stats + [("Content-Length", "3")], body: body), expect: .protocolError),
            FuzzCase(label: "Content-Length not a number", bytes: httpRequest("POST", "/api/tasks/submit", headers: [("Host", "x"), ("Content-Length", "abc")] + stats, raw: true), expect: .protocolError),
            FuzzCase(label: "negative Content-Length", bytes: httpRequest("POST", "/api/tasks/submit", headers: [("Host", "x"), ("Content-Length", "-5")] + stats, raw: true), expect: .protocolError),
        ]
        for value in ["Bearer", "Bearer ", "Bearer  ", "Basic Y2s6eA==", "bearer", "Token abc", String(repeating: "Bearer ", count: 100)] {
            cases.append(FuzzCase(label: "Authorization '\(value.prefix(20))'", bytes: httpRequest("GET", "/api/stats", headers: [("Authorization", value)]), expect: .status(401, codes: ["unauthorized"])))
        }
        for type in ["text/plain", "application/xml", "application/jsonp", "application/json-seq", "json", "*/*", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            cases.append(FuzzCase(label: "Content-Type \(type)", bytes: post(submit, body, contentType: type), expect: .status(415, codes: ["unsupported_media_type"])))
        }
        for type in ["application/json", "Application/JSON", "application/json; charset=utf-8", "application/json;charset=UTF-8"] {
            cases.append(FuzzCase(label: "Content-Type \(type)", bytes: post(submit, body, contentType: type), expect: .status(201)))
        }
        cases.append(FuzzCase(label: "two content types", bytes: post(submit, body, extra: [("Content-Type", "text/plain")]), expect: .status(415, codes: ["unsupported_media_type"])))
        return cases
    }

    /// Requests that are not HTTP/1.1 as it is written.
    func protocolAbuse() -> [FuzzCase] {
        ["HELLO\r\n\r\n", "GET\r\n\r\n", "GET /health HTTP/9.9\r\n\r\n", "GET /health HTTP/1.1\r\nno colon here\r\n\r\n",
         "GET /health HTTP/1.1\r\nHost: x\r\nX: a\u{0}b\r\n\r\n", "GET " + String(repeating: "/a", count: 60_000) + " HTTP/1.1\r\n\r\n",
         "POST /api/tasks/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
         "POST /api/tasks/submit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
         "GET /health HTTP/1.1\r\n : x\r\n\r\n"]
            .map { FuzzCase(label: "raw \($0.prefix(30).debugDescription)", bytes: Array($0.utf8), expect: .protocolError) }
            // Empty lines before a request line are allowed (RFC 9112 §2.2).
            + [FuzzCase(label: "empty lines first", bytes: Array("\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n".utf8), expect: .status(200))]
    }

    // MARK: random

    /// A random request of a random operation: path and query values from `ids`, a body from
    /// the sample with random fields replaced, removed or added, sometimes with its bytes mangled.
    mutating func random(ids: [String]) -> FuzzCase {
        let op = spec.operations.randomElement(using: &rng)!
        let roll = Int.random(in: 0..<100, using: &rng)
        let otherHeaders: [[(String, String)]] = [[], [("Authorization", "Bearer nope")], auth(.client), auth(.worker)]
        var headers = roll < 92 ? auth(op.role) : otherHeaders.randomElement(using: &rng)!
        let path = op.filled { _ in self.pathValue(ids: ids) }
        var query: [String] = []
        for p in op.query where Bool.random(using: &rng) {
            // Waits stay at a millisecond at most: a long-poll would only make this test slow.
            let values = p.name == "wait" ? ["0", "0.001", "-0", "-1", "abc", "", "nan", "inf", "-inf", "1e999", "%20", "1e-9"]
                : ["0", "1", "2", "-1", "abc", "", "1001", "1.5", "0x10", "99999999999999999999", "10001", "%20"]
            query.append("\(p.name)=" + values.randomElement(using: &rng)!)
        }
        if roll % 10 == 0 { query.append("junk=\(randomText())") }
        let target = path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        guard let schema = op.body else { return FuzzCase(label: "random \(op)", bytes: httpRequest(op.method, target, headers: headers)) }
        var body = schema.sample
        for _ in 0..<Int.random(in: 0...3, using: &rng) { body = mutate(body) }
        var bytes = body.jsonBytes
        if roll % 7 == 0 { bytes = mangle(bytes) }
        headers.append(("Content-Type", roll % 13 == 0 ? "text/plain" : "application/json"))
        let label = "random \(op) \(String(decoding: bytes.prefix(60), as: UTF8.self))"
        let invalid: String? // why the body must be refused, when it must
        if roll % 13 == 0 { invalid = "not sent as JSON" } else if let parsed = try? JSONValue.parse(bytes) { invalid = schema.violation(in: parsed) } else { invalid = "not JSON" }
        return FuzzCase(label: label, bytes: httpRequest(op.method, target, headers: headers, body: bytes), expect: invalid.map { .clientError($0) } ?? .anything)
    }

    private mutating func pathValue(ids: [String]) -> String {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<5: ids.randomElement(using: &rng) ?? "t1"
        case 5: String(repeating: "x", count: Int.random(in: 200...4000, using: &rng))
        case 6: ["%00", "%2F", "..", "%ZZ", "%", "%e2%82%ac", "%ff%fe", "a%20b", "-1", "0"].randomElement(using: &rng)!
        default: randomText()
        }
    }

    private mutating func randomText() -> String {
        let alphabet = Array("abcxyz0189-_.~")
        return String((0..<Int.random(in: 1...24, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
    }

    private mutating func mutate(_ value: JSONValue) -> JSONValue {
        guard case var .object(object) = value, !object.isEmpty else { return randomJSON(depth: 2) }
        let key = object.keys.sorted().randomElement(using: &rng)!
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: object[key] = nil
        case 1: object[key] = randomJSON(depth: 3)
        case 2: object[randomText()] = randomJSON(depth: 2)
        default: object[key] = mutate(object[key]!)
        }
        return .object(object)
    }

    private mutating func randomJSON(depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 7), using: &rng) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &rng))
        case 2: return .number([0, -1, 1, 5, 10, 11, 1e308, -1e308, 0.5, 4096, 4097, 1e-300, 9e15].randomElement(using: &rng)!)
        case 3: return .number(Double(Int.random(in: -1000...1000, using: &rng)))
        case 4: return .string(randomText())
        case 5: return .string(["", "echo", "w1", "t1", "\u{0}", "é漢字🙂", "\u{202E}rtl", String(repeating: "s", count: 300)].randomElement(using: &rng)!)
        case 6: return .string(String(repeating: "long", count: Int.random(in: 100...3000, using: &rng)))
        case 7: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomJSON(depth: depth - 1) })
        default:
            return .object(Dictionary((0..<Int.random(in: 0...4, using: &rng)).map { _ in (randomText(), randomJSON(depth: depth - 1)) }) { a, _ in a })
        }
    }

    private mutating func mangle(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: bytes[i] = UInt8.random(in: 0...255, using: &rng)
            case 1: bytes.remove(at: i)
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
            default: bytes.removeSubrange(i...)
            }
        }
        return bytes
    }
}

extension JSONValue {
    /// This value with the member at `path` set (nil removes it); array indices are numbers.
    func setting(_ path: [String], to value: JSONValue?) -> JSONValue {
        guard let key = path.first else { return value ?? .null }
        switch self {
        case var .array(items):
            guard let i = Int(key), items.indices.contains(i) else { return self }
            items[i] = items[i].setting(Array(path.dropFirst()), to: value)
            return .array(items)
        case var .object(members):
            if path.count == 1 { members[key] = value } else { members[key] = (members[key] ?? [:]).setting(Array(path.dropFirst()), to: value) }
            return .object(members)
        default: return self
        }
    }
}
