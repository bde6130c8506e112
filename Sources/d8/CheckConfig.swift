import ArgumentParser
import D8Core
import D8Worker
import Foundation

/// `d8 check-config [FILE]`: validates a config without starting anything and prints the
/// effective routes.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and print the effective routes.",
        discussion: """
            Without FILE it checks the embedded default. A wrong file is refused with its file, \
            line, key and what was expected (exit status 2); unknown keys are warned about. For \
            each task type it prints the strategy, the cost ceiling and the worker types in route \
            order with their prices, and which of them cannot run with this environment (say, an \
            API key left unset). Exit 0 when valid.
            """
    )

    @Argument(help: "The configuration file (YAML).")
    var file: String?

    func run() throws {
        let config = try loadConfig(file)
        let report = RouteReport(config: config)
        print("\(file ?? "the embedded default config"): valid")
        print("\nRoutes (task type: strategy, ceiling → worker types in route order):")
        print(report.text)
        let free = config.workerTypes.filter { type in report.routes.flatMap(\.entries).first { $0.workerType == type.name }?.price?.isFree == true }
        if !free.isEmpty {
            print("\nZero-cost worker types (used first by `cheapest`, and when a budget is spent): \(free.map(\.name).joined(separator: ", "))")
        }
        let unroutable = report.unroutable
        if !unroutable.isEmpty {
            print("\nNo eligible worker type can run with this environment for:")
            for (taskType, reasons) in unroutable { print("  \(taskType): \(reasons.joined(separator: "; "))") }
        }
    }
}
