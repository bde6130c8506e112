import D8Core
import D8Harness
import Foundation
import Testing

/// Each bad request gets its 4xx with words, and the server keeps serving.
@Suite("Bad input")
struct BadInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let method: String
        let path: String
        let body: String?
        var contentType: String? = "application/json"
        let status: Int
        let says: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {"#, status: 400, says: "malformed JSON"),
        Case(name: "not an object", method: "POST", path: "/api/tasks/submit", body: "[1,2]", status: 400, says: "JSON object"),
        Case(name: "missing type", method: "POST", path: "/api/tasks/submit", body: #"{"data": {}}"#, status: 400, says: "missing field 'type'"),
        Case(name: "missing data", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo"}"#, status: 400, says: "missing field 'data'"),
        Case(name: "data not an object", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": "x"}"#, status: 400, says: "'data' must be a JSON object"),
        Case(name: "priority too high", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {}, "priority": 11}"#, status: 400, says: "integer from 1 to 10"),
        Case(name: "priority fractional", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {}, "priority": 2.5}"#, status: 400, says: "integer from 1 to 10"),
        Case(name: "priority a string", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {}, "priority": "5"}"#, status: 400, says: "integer from 1 to 10"),
        Case(name: "type not a string", method: "POST", path: "/api/tasks/submit", body: #"{"type": 5, "data": {}}"#, status: 400, says: "'type' must be a non-empty string"),
        Case(name: "unknown task type", method: "POST", path: "/api/tasks/submit", body: #"{"type": "poetry", "data": {}}"#, status: 422, says: "known: agent_action"),
        Case(name: "wrong content type", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {}}"#, contentType: "text/plain", status: 415, says: "application/json"),
        Case(name: "no body", method: "POST", path: "/api/tasks/submit", body: nil, status: 400, says: "JSON object body"),
        Case(name: "batch not a list", method: "POST", path: "/api/tasks/batch", body: #"{"tasks": {}}"#, status: 400, says: "array of 1 to 10000"),
        Case(name: "batch with a bad item", method: "POST", path: "/api/tasks/batch", body: #"{"tasks": [{"type": "echo", "data": {}}, {"type": "echo"}]}"#, status: 400, says: "tasks[1]: missing field 'data'"),
        Case(name: "unknown task", method: "GET", path: "/api/tasks/status/nope", body: nil, status: 404, says: "no task with id 'nope'"),
        Case(name: "unknown worker polling", method: "GET", path: "/api/workers/ghost/tasks", body: nil, status: 404, says: "register again"),
        Case(name: "unknown worker heartbeat", method: "POST", path: "/api/workers/ghost/heartbeat", body: nil, status: 404, says: "register again"),
        Case(name: "bad wait", method: "GET", path: "/api/workers/ghost/tasks?wait=soon", body: nil, status: 400, says: "'wait'"),
        Case(name: "unknown worker type", method: "POST", path: "/api/workers/register", body: #"{"worker_id": "w", "worker_type": "gpt9"}"#, status: 422, says: "configured: "),
        Case(name: "register without id", method: "POST", path: "/api/workers/register", body: #"{"worker_type": "echo"}"#, status: 400, says: "missing field 'worker_id'"),
        Case(name: "bad slots", method: "POST", path: "/api/workers/register", body: #"{"worker_id": "w", "worker_type": "echo", "capabilities": {"slots": 0}}"#, status: 400, says: "slots"),
        Case(name: "result without success", method: "POST", path: "/api/tasks/x/result", body: #"{"worker_id": "w", "result": {}}"#, status: 400, says: "result.success"),
        Case(name: "result for unknown task", method: "POST", path: "/api/tasks/x/result", body: #"{"worker_id": "w", "result": {"success": true}}"#, status: 404, says: "no task"),
        Case(name: "unknown route", method: "GET", path: "/api/nothing/here", body: nil, status: 404, says: "no route"),
        Case(name: "deep nesting", method: "POST", path: "/api/tasks/submit", body: String(repeating: "[", count: 100_000), status: 400, says: "malformed JSON"),
        Case(name: "truncated JSON", method: "POST", path: "/api/tasks/submit", body: #"{"type": "echo", "data": {"p": "\u00"#, status: 400, says: "malformed JSON"),
    ]

    @Test(arguments: cases)
    func refusedInWords(_ bad: Case) async throws {
        try await withLiveServer { server in
            let reply = try await server.client.send(bad.method, bad.path, body: bad.body.map { Data($0.utf8) }, contentType: bad.contentType)
            #expect(reply.status == bad.status, "\(reply.body)")
            #expect(reply["error"]?.stringValue?.contains(bad.says) == true, "\(reply.body)")
            #expect(reply["code"]?.stringValue?.isEmpty == false)
            #expect(try await server.client.get("/health").status == 200)
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await withLiveServer { $0.server.maxBodyBytes = 1024 } run: { server in
            let big = #"{"type": "echo", "data": {"p": ""# + String(repeating: "x", count: 4096) + #""}}"#
            let reply = try await server.client.send("POST", "/api/tasks/submit", body: Data(big.utf8), contentType: "application/json")
            #expect(reply.status == 413)
            #expect(reply["code"] == "body_too_large")
            #expect(try await server.client.get("/health").status == 200)
        }
    }

    @Test func invalidUTF8BytesAreRefused() async throws {
        try await withLiveServer { server in
            var bytes = Data(#"{"type": "echo", "data": {"p": ""#.utf8)
            bytes.append(contentsOf: [0xff, 0xfe, 0xc3])
            bytes.append(contentsOf: Data(#""}}"#.utf8))
            let reply = try await server.client.send("POST", "/api/tasks/submit", body: bytes, contentType: "application/json")
            #expect(reply.status == 400)
            #expect(try await server.client.get("/health").status == 200)
        }
    }
}
