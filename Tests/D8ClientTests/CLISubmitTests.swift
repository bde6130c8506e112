import D8Client
import D8Core
import D8Harness
import Foundation
import Testing

/// `d8 submit` against a real orchestrator, with the test as the worker.
@Suite("d8 submit")
struct CLISubmitTests {
    @Test func promptsTakeTheShapeOfTheTaskType() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let agent = try await d8(["submit", "agent_action", "--prompt", "plan the day", "--orchestrator", orchestrator.url])
        #expect(agent.status == 0, "\(agent.stderr)")
        let agentID = agent.stdout.trimmingCharacters(in: .newlines)
        #expect(try await orchestrator.client.status(agentID).json["data"] == ["messages": [["role": "user", "content": "plan the day"]]])

        let code = try await d8(["submit", "code_generation", "--prompt", "sort a list", "--json", "--orchestrator", orchestrator.url])
        let answer = try JSONValue.parse(code.stdout)
        #expect(answer["status"] == "submitted")
        #expect(answer["data"] == ["prompt": "sort a list"])
        let codeID = try #require(answer["task_id"]?.stringValue)
        #expect(try await orchestrator.client.status(codeID).type == "code_generation")
    }

    @Test func sendsTheDataFileAndTheOptions() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let path = temporaryDirectory() + "/genomes.json"
        try #"{"genome1": {"a": 1}, "genome2": {"a": 2}}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let arguments = ["submit", "evolution_crossover", "--file", path, "--priority", "9", "--idempotency-key", "gen-7", "--max-cost", "0.5", "--json", "--orchestrator", orchestrator.url]
        let first = try JSONValue.parse(try await d8(arguments).stdout)
        #expect(first["data"] == ["genome1": ["a": 1], "genome2": ["a": 2]])
        #expect(first["priority"] == 9)
        #expect(first["idempotency_key"] == "gen-7")
        #expect(first["max_cost_usd"] == 0.5)
        #expect(first["duplicate"] == false)
        let second = try JSONValue.parse(try await d8(arguments).stdout)
        #expect(second["task_id"] == first["task_id"])
        #expect(second["duplicate"] == true)
    }

    @Test func waitPrintsTheOutputText() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        async let run = d8(["submit", "echo", "--data", #"{"prompt": "hi"}"#, "--wait", "--orchestrator", orchestrator.url])
        let task = try await worker.lease()
        #expect(task.json["prompt"] == "hi")
        try await worker.complete(task, with: ["output": "hello\nfrom the worker"])
        let result = try await run
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "hello\nfrom the worker\n")
        #expect(result.stderr.isEmpty, "no progress line when stderr is not a terminal: \(result.stderr)")
    }

    @Test func waitPrintsAnEvolutionTasksGenome() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        async let run = d8(["submit", "evolution_mutation", "--data", #"{"genome": {"rate": 0.5}}"#, "--wait", "--orchestrator", orchestrator.url])
        try await worker.complete(try await worker.lease(), with: ["output": #"```json {"rate": 0.7} ```"#, "genome": ["rate": 0.7]])
        let result = try await run
        #expect(result.status == 0)
        #expect(try JSONValue.parse(result.stdout) == ["rate": 0.7])
    }

    @Test func aFailedTaskExits1WithItsError() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let worker = try await orchestrator.worker()
        async let run = d8(["submit", "echo", "--prompt", "hi", "--wait", "--json", "--orchestrator", orchestrator.url])
        let task = try await worker.lease()
        try await worker.fail(task, error: "model overloaded")
        let result = try await run
        #expect(result.status == 1)
        #expect(result.stderr == "error: task \(task.taskID) failed: model overloaded\n")
        let status = try JSONValue.parse(result.stdout)
        #expect(status["status"] == "failed")
        #expect(status["errors"]?.arrayValue?.first?["error"] == "model overloaded")
    }

    @Test func aTimeoutExits4() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let start = ContinuousClock.now
        let run = try await d8(["submit", "echo", "--prompt", "hi", "--wait", "--timeout", "1", "--orchestrator", orchestrator.url])
        #expect(run.status == 4)
        #expect(run.stderr.contains("is still pending (attempt 0) after the wait ran out"), "\(run.stderr)")
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aRefusalPrintsTheServersWords() async throws {
        let orchestrator = try Orchestrator.start()
        defer { orchestrator.stop() }
        let run = try await d8(["submit", "no_such_type", "--prompt", "hi", "--orchestrator", orchestrator.url])
        #expect(run.status == 2)
        #expect(run.stderr.hasPrefix("error: unknown task type 'no_such_type' (known: "), "\(run.stderr)")
    }

    @Test func theClientKeyComesFromTheFlagOrTheEnvironment() async throws {
        let orchestrator = try Orchestrator.start(extra: """
            auth:
              client_keys:
                - name: cli
                  key: ck-cli-secret
            """)
        defer { orchestrator.stop() }
        let submit = ["submit", "echo", "--prompt", "hi", "--orchestrator", orchestrator.url]
        let anonymous = try await d8(submit)
        #expect(anonymous.status == 2)
        #expect(anonymous.stderr == "error: the orchestrator refused the client key: this endpoint needs 'Authorization: Bearer <client key>'\n")
        #expect(try await d8(submit + ["--key", "ck-cli-secret"]).status == 0)
        #expect(try await d8(submit, environment: ["D8_CLIENT_KEY": "ck-cli-secret"]).status == 0)
    }
}
