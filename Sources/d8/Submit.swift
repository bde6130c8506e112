import ArgumentParser
import D8Client
import D8Core

/// `d8 submit <type>`: submits one task; with `--wait`, prints its result.
struct Submit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a task; print its id, or with --wait its result.",
        discussion: """
            The data is given as JSON (--data or --file) or as a prompt (--prompt builds \
            {"messages": [{"role": "user", "content": TEXT}]} for agent_action and \
            {"prompt": TEXT} for other types). With --wait it prints the result: the text of an \
            LLM task, the genome of an evolution task, else the result JSON; on a terminal, \
            stderr shows how the task stands meanwhile. Exit status: 0 done, 1 the task failed \
            (failed, dead or cancelled), 2 a usage error or a refusal, 3 the orchestrator is \
            unreachable or failing (5xx), 4 --timeout ran out.
            """
    )

    @Argument(help: "The task type (agent_action, code_generation, evolution_crossover, ...).")
    var type: String

    @Option(help: "The task's data: a JSON object.")
    var data: String?

    @Option(help: "A prompt to send as the task's data.")
    var prompt: String?

    @Option(help: "A file holding the task's data as a JSON object.")
    var file: String?

    @Option(help: "1 (low) to 10 (urgent); default 5.")
    var priority: Int?

    @Option(help: "The most this task may cost, in USD.")
    var maxCost: Double?

    @Option(help: "Repeating a key returns the first task instead of creating another.")
    var idempotencyKey: String?

    @Flag(help: "Wait for the task to finish and print its result.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout: Double = 600

    @Flag(help: "Print the orchestrator's JSON (the submit answer, or with --wait the final status).")
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard [data, prompt, file].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give the task's data with exactly one of --data, --prompt and --file")
        }
        if let priority, !(1...10).contains(priority) { throw ValidationError("--priority must be from 1 to 10") }
        if let maxCost, !(maxCost >= 0 && maxCost.isFinite) { throw ValidationError("--max-cost must be 0 or more USD") }
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        let submission = TaskSubmission(
            type: type, data: try taskData(), priority: priority, idempotencyKey: idempotencyKey, maxCostUSD: maxCost)
        try await options.run { client in
            let submitted = try await client.submit(submission)
            guard wait else {
                if json { printJSON(submitted.json) } else { print(submitted.id) }
                return
            }
            let status = try await TaskReport.wait(client, for: submitted.id, timeout: timeout)
            if json {
                printJSON(status.json)
            } else if status.status == .completed {
                print(TaskReport.resultText(status))
            }
            try TaskReport.failIfUnsuccessful(status)
        }
    }

    private func taskData() throws -> JSONValue {
        if let prompt { return TaskData.prompt(prompt, type: type) }
        if let file { return try TaskData.read(file: file) }
        return try TaskData.parse(data ?? "")
    }
}
