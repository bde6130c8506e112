import ArgumentParser
import D8Client
import D8Core
import Foundation

/// `d8 job submit --file tasks.jsonl [--wait]`.
struct JobSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit the tasks of a JSON Lines file as one job; print its id, or with --wait its results.",
        discussion: """
            Each line of the file is one task as the submit endpoint takes it: \
            {"type": "agent_action", "data": {...}, "priority": 7}; blank lines are skipped. A bad \
            line is reported with the file and line, and nothing is submitted. With --wait, a \
            progress bar on stderr (on a terminal) shows done/total, failures, cost and the time \
            left, and the results are written as JSON Lines in submission order, one \
            {"task_id", "status", "d8_status", "result", "error"} per task. Exit status: 0 every \
            task completed, 1 some did not, 2 a usage error or a refusal, 3 the orchestrator is \
            unreachable or failing (5xx), 4 --timeout ran out.
            """
    )

    @Option(help: "The tasks, one JSON object per line.")
    var file: String

    @Option(help: "A name to know the job by.")
    var name: String?

    @Option(help: "Seconds from now: a task not leased by then ends expired.")
    var deadlineIn: Double?

    @Flag(help: "Wait for every task to finish and write the results.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout: Double = 3600

    @Option(help: "Write the results here instead of to stdout.")
    var output: String?

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
        if let deadlineIn, !(deadlineIn > 0 && deadlineIn.isFinite) { throw ValidationError("--deadline-in must be more than 0 seconds") }
    }

    func run() async throws {
        let tasks = try JobFile.read(file)
        try await options.run { client in
            let submitted = try await client.submitJob(tasks, name: name, deadline: deadlineIn.map(Deadline.in))
            guard wait else {
                print(submitted.jobID)
                return
            }
            FileHandle.standardError.write(Data("job \(submitted.jobID): \(submitted.total) tasks\n".utf8))
            let job = try await JobProgressBar.wait(client, for: submitted.jobID, timeout: timeout)
            try JobFile.writeResults(job, to: output)
            if job.results.contains(where: { $0.state != .completed }) { throw ClientExit.taskFailed }
        }
    }
}
