import ArgumentParser
import D8Core
import D8Server
import D8Worker
import Hummingbird
import Logging
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the orchestrator.",
        discussion: "Without --config it runs on the embedded default (the repository's config.yaml)."
    )

    @Option(help: "The configuration file (YAML).")
    var config: String?

    @Option(help: "Address to listen on (overrides server.host).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (overrides server.port).")
    var port: Int?

    @Option(help: "Folder of the task store (overrides server.data_dir).")
    var dataDir: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "text, or json: one JSON object a line on stderr, for log shippers.")
    var logFormat: LogFormat = .text

    func run() async throws {
        logFormat.bootstrap()
        var settings = try loadConfig(config)
        if let host { settings.server.host = host }
        if let port { settings.server.port = port }
        if let dataDir { settings.server.dataDir = dataDir }
        let host = settings.server.host
        // The plugins here are described once, by this command: the server itself loads none.
        let routes = RouteReport(config: settings)
        let arguments = ServerArguments(config: settings, logLevel: logLevel, pluginDescriptions: routes.descriptions, unroutable: routes.unroutable)
        do {
            let app = try await buildApplication(arguments) { port in
                // One line on stdout for scripts and tests that start d8 on port 0.
                FileHandle.standardOutput.write(Data("d8 listening on \(host):\(port)\n".utf8))
            }
            try await app.runService()
        } catch let error as ServerStartError {
            throw ValidationError(error.description)
        }
    }
}

/// Loads a config file, printing its warnings; a broken file ends the command with its message.
func loadConfig(_ path: String?) throws -> D8Config {
    guard let path else { return .embeddedDefault }
    do {
        let loaded = try D8Config.load(path: path)
        for warning in loaded.warnings { printError("warning: \(warning)") }
        return loaded.config
    } catch {
        throw ValidationError(error.description)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
