import ArgumentParser

/// `d8 job submit|status|cancel`: many tasks under one id.
struct Job: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit tasks as one job, watch it, cancel it.",
        subcommands: [JobSubmit.self, JobShow.self, JobCancel.self]
    )
}
