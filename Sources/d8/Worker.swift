import ArgumentParser
import D8Client
import D8Core
import D8Worker
import Foundation
import Logging
import ServiceLifecycle

/// `d8 worker --type <worker type>`: one process serving one worker type through its plugin.
struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a worker: lease tasks from the orchestrator and run them through a provider plugin.",
        discussion: """
            The worker type (from the config) names the plugin, its settings and its slots. The \
            worker keeps going while the orchestrator is down or restarting, and registers again \
            when it is back. Given several orchestrators (--orchestrator http://a:7001,http://b:7002: \
            nodes sharing one database), it uses one at a time; when that one stops answering \
            (no connection, a timeout, 502/503/504) it moves to the next (round robin, wrapping), \
            registers there and sends it the results it still holds. SIGTERM or SIGINT: stop leasing, finish in-flight tasks (up to \
            --drain-timeout), hand back the rest, unregister, exit 0. Exit status 2: a usage, \
            config or plugin error (the message names the file and the reason).
            """
    )

    @Option(name: .long, help: "The worker type to serve (a key of worker_types in the config).")
    var type: String

    @Option(help: "The configuration file (YAML); default: the embedded default.")
    var config: String?

    @Option(help: "The orchestrator's URL, or several separated by commas, used in turn when one stops answering (env D8_ORCHESTRATOR_URL or ORCHESTRATOR_URL; default: server.host and server.port of the config).")
    var orchestrator: String?

    @Option(help: "The worker token (env D8_WORKER_TOKEN; default: auth.worker_token of the config).")
    var token: String?

    @Option(help: "This worker's id (env D8_WORKER_ID; default: <host>-<type>-<pid>).")
    var id: String?

    @Option(help: "Tasks run at once (default: the worker type's slots).")
    var slots: Int?

    @Option(help: "Folder of the plugins (default: plugins.dir of the config).")
    var pluginsDir: String?

    @Option(help: "Seconds in-flight tasks may take to finish after SIGTERM.")
    var drainTimeout: Double = 30

    @Option(help: "Seconds one long-poll for tasks waits.")
    var pollWait: Double = 20

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "text, or json: one JSON object a line on stderr, for log shippers.")
    var logFormat: LogFormat = .text

    func validate() throws {
        if let slots, !(1...4096).contains(slots) { throw ValidationError("--slots must be from 1 to 4096") }
        guard drainTimeout >= 0, drainTimeout.isFinite else { throw ValidationError("--drain-timeout must be 0 or more seconds") }
        guard pollWait >= 0, pollWait <= 60 else { throw ValidationError("--poll-wait must be from 0 to 60 seconds") }
    }

    func run() async throws {
        let settings = try loadConfig(config)
        let environment = ProcessInfo.processInfo.environment
        guard let workerType = settings.workerTypes.first(where: { $0.name == type }) else {
            let known = settings.workerTypes.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown worker type '\(type)' in \(config ?? "the embedded default config") (configured: \(known))")
        }
        logFormat.bootstrap()
        var logger = Logger(label: "d8.worker")
        logger.logLevel = logLevel
        logger[metadataKey: "worker_type"] = "\(type)"

        let listed = orchestrator ?? environment["D8_ORCHESTRATOR_URL"] ?? environment["ORCHESTRATOR_URL"] ?? Self.defaultURL(settings.server)
        let workerID = id ?? environment["D8_WORKER_ID"] ?? "\(ProcessInfo.processInfo.hostName)-\(type)-\(getpid())"
        logger[metadataKey: "worker_id"] = "\(workerID)"
        let orchestrators: FailoverEndpoints
        do {
            orchestrators = try FailoverEndpoints(
                urls: try OrchestratorList.parse(listed), token: token ?? environment["D8_WORKER_TOKEN"] ?? settings.auth.workerToken,
                onSwitch: { [logger] change in
                    logger.warning("the orchestrator stopped answering; switching to the next", metadata: [
                        "from": "\(change.from)", "to": "\(change.to)", "error": "\(change.error)",
                    ])
                })
        } catch {
            throw ValidationError("\(error)")
        }

        let setup: WorkerSetup
        do {
            setup = try WorkerSetup(workerType: workerType, pluginsDir: pluginsDir ?? settings.plugins.dir, slots: slots, logger: logger)
        } catch {
            printError("error: worker type '\(type)': \(error)")
            throw ExitCode(2)
        }

        let api = WorkerAPI(orchestrators: orchestrators, workerID: workerID)
        let runtime = WorkerRuntime(
            api: api, plugin: setup.instance, capabilities: setup.capabilities, limiter: setup.rateLimiter,
            options: WorkerOptions(
                workerID: workerID, workerType: type, slots: setup.slots,
                pollWait: .milliseconds(Int64(pollWait * 1000)), drainTimeout: .milliseconds(Int64(drainTimeout * 1000))),
            logger: logger
        )
        logger.info("starting", metadata: [
            "worker_id": "\(workerID)", "plugin": "\(setup.instance.plugin.name) \(setup.instance.plugin.version)",
            "orchestrator": "\(orchestrators.endpoints.map(\.baseURL).joined(separator: ","))", "slots": "\(setup.slots)",
        ])
        // SIGTERM and SIGINT shut the group down gracefully, which drains the worker; as for
        // `d8 serve`, ServiceLifecycle owns the signals.
        let group = ServiceGroup(services: [WorkerService(runtime: runtime)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }

    /// The orchestrator of the config, reached on loopback when it listens on every address.
    static func defaultURL(_ server: ServerConfig) -> String {
        let host = ["0.0.0.0", "::", ""].contains(server.host) ? "127.0.0.1" : server.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)"
    }
}
