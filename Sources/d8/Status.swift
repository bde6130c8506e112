import ArgumentParser
import D8Client

/// `d8 status <task-id>`: how a task stands; with `--wait`, once it is finished.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a task: its status, attempts, worker, errors and result.",
        discussion: """
            Exit status: 0, or 1 when the task failed (failed, dead or cancelled), 2 a usage \
            error or an unknown task, 3 the orchestrator is unreachable or failing (5xx), \
            4 --timeout ran out.
            """
    )

    @Argument(help: "The task's id.")
    var taskID: String

    @Flag(help: "Wait until the task is finished.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout: Double = 600

    @Flag(help: "Print the orchestrator's JSON.")
    var json = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        try await options.run { client in
            let status = wait ? try await TaskReport.wait(client, for: taskID, timeout: timeout) : try await client.status(taskID)
            if json { printJSON(status.json) } else { print(TaskReport.table(status), terminator: "") }
            if status.status.isUnsuccessful { throw ClientExit.taskFailed }
        }
    }
}
