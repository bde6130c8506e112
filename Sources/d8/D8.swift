import ArgumentParser
import Foundation

@main
struct D8: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "d8",
        abstract: "d8: a distributed LLM task gateway.",
        subcommands: [Serve.self, Worker.self, Plugins.self, CheckConfig.self, Submit.self, Status.self, Job.self, Chat.self, Stats.self, Workers.self, Queue.self]
    )

    /// ArgumentParser's own `main`, except that usage and config errors exit with 2 (d8's
    /// status for them) instead of 64, and a command's own errors print without the usage.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            if exitCode(for: error) == .validationFailure {
                printError(fullMessage(for: error))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            printError("error: \(error.message)")
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }
}
