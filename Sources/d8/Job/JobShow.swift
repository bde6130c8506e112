import ArgumentParser
import D8Client
import D8Core

/// `d8 job status <job-id>`: counts, progress, cost; with `--results`, each task's outcome.
struct JobShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a job: its tasks by state, progress, failures and cost.",
        discussion: "Exit status: 0, or 1 when a finished job has tasks that did not complete, 2 an unknown job, 3 the orchestrator is unreachable, 4 --timeout ran out."
    )

    @Argument(help: "The job's id.")
    var jobID: String

    @Flag(help: "Wait until every task has finished.")
    var wait = false

    @Option(help: "Seconds --wait waits at most.")
    var timeout: Double = 3600

    @Flag(help: "Also write each task's outcome, as JSON Lines.")
    var results = false

    @OptionGroup var options: ClientOptions

    func validate() throws {
        guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    func run() async throws {
        try await options.run { client in
            let job = wait ? try await JobProgressBar.wait(client, for: jobID, timeout: timeout) : try await client.job(jobID, results: results)
            print(JobFile.summary(job))
            if results { try JobFile.writeResults(job, to: nil) }
            if job.isDone, job.failures + job.counts["cancelled", default: 0] > 0 { throw ClientExit.taskFailed }
        }
    }
}

/// `d8 job cancel <job-id>`.
struct JobCancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel every task of a job that has not finished.")

    @Argument(help: "The job's id.")
    var jobID: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await options.run { client in print(JobFile.summary(try await client.cancelJob(jobID))) }
    }
}
