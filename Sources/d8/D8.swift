import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

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
        // The orchestrator's request handlers run on NIO's event loops rather than on Swift's
        // global pool: a request no longer hops between the two pools at every await, which on
        // a small machine is most of what a front-door request costs. Only `serve`: the worker
        // runs its plugins on threads of its own.
        if CommandLine.arguments.dropFirst().first == "serve" {
            NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        }
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
