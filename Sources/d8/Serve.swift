import ArgumentParser
import D8Server
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the orchestrator.")

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 7001

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let app = buildApplication(ServerArguments(host: host, port: port, logLevel: logLevel))
        try await app.runService()
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
