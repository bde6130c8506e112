import D8Core
import D8Harness
import Foundation
import Testing

/// The client commands' usage errors (exit 2) and an unreachable orchestrator (exit 3): no
/// orchestrator needed, nothing is sent.
@Suite("d8 client commands: usage")
struct CLIUsageTests {
    @Test(arguments: [
        (["submit", "echo"], "exactly one of --data, --prompt and --file"),
        (["submit", "echo", "--data", "{}", "--prompt", "hi"], "exactly one of --data, --prompt and --file"),
        (["submit", "echo", "--prompt", "hi", "--priority", "11"], "--priority must be from 1 to 10"),
        (["submit", "echo", "--prompt", "hi", "--wait", "--timeout", "0"], "--timeout must be more than 0 seconds"),
        (["submit", "echo", "--data", "{\"a\": }"], "--data is not valid JSON: unexpected character '}' at byte 6"),
        (["submit", "echo", "--data", "[1, 2]"], "the data in --data must be a JSON object, got an array"),
        (["submit", "echo", "--file", "/nonexistent/data.json"], "cannot read the data file /nonexistent/data.json"),
        (["submit"], "Missing expected argument '<type>'"),
        (["status"], "Missing expected argument '<task-id>'"),
        (["stats", "--orchestrator", "ftp://example.org"], "the orchestrator's URL must start with http:// or https://, got 'ftp://example.org'"),
    ])
    func isAUsageError(arguments: [String], message: String) async throws {
        let run = try await d8(arguments.contains("--orchestrator") ? arguments : arguments + ["--orchestrator", nowhere])
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func invalidJSONInAFileNamesTheFileAndTheLine() async throws {
        let path = temporaryDirectory() + "/task.json"
        try "{\n  \"prompt\": \"hi\",\n  \"n\": 1,,\n}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await d8(["submit", "echo", "--file", path, "--orchestrator", nowhere])
        #expect(run.status == 2)
        #expect(run.stderr == "error: invalid JSON in \(path) at line 3, column 10: expected a string key\n")
    }

    @Test(arguments: [["stats"], ["workers"], ["queue", "--json"], ["status", "abc"], ["submit", "echo", "--prompt", "hi"]])
    func anUnreachableOrchestratorExits3(command: [String]) async throws {
        let run = try await d8(command + ["--orchestrator", nowhere])
        #expect(run.status == 3)
        #expect(run.stderr.hasPrefix("error: cannot reach the orchestrator at http://127.0.0.1:1: connection refused"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func theOrchestratorComesFromTheEnvironment() async throws {
        for name in ["D8_ORCHESTRATOR_URL", "ORCHESTRATOR_URL"] {
            let run = try await d8(["stats"], environment: [name: "http://127.0.0.1:2"])
            #expect(run.status == 3)
            #expect(run.stderr.hasPrefix("error: cannot reach the orchestrator at http://127.0.0.1:2: connection refused"), "\(name): \(run.stderr)")
        }
        let both = try await d8(["stats"], environment: ["D8_ORCHESTRATOR_URL": "http://127.0.0.1:2", "ORCHESTRATOR_URL": "http://127.0.0.1:3"])
        #expect(both.stderr.contains("http://127.0.0.1:2"), "D8_ORCHESTRATOR_URL comes first")
        let flag = try await d8(["stats", "--orchestrator", "http://127.0.0.1:4"], environment: ["D8_ORCHESTRATOR_URL": "http://127.0.0.1:2"])
        #expect(flag.stderr.contains("http://127.0.0.1:4"), "--orchestrator comes before the environment")
    }

    @Test func aServerInTroubleExits3WithItsWords() async throws {
        let server = try FakeProvider(handler: FakeProvider.error(status: 503, body: #"{"error": "the orchestrator is stopping", "code": "shutting_down"}"#))
        defer { server.stop() }
        let run = try await d8(["submit", "echo", "--prompt", "hi", "--orchestrator", server.baseURL])
        #expect(run.status == 3)
        #expect(run.stderr == "error: the orchestrator answered 503: the orchestrator is stopping\n")
    }
}
