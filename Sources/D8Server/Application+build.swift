import D8Core
import D8Postgres
import D8Store
import Foundation
import Hummingbird
import Logging

/// What `d8 serve` needs to start an orchestrator; tests build their own.
public struct ServerArguments: Sendable {
    public var config: D8Config
    public var logLevel: Logger.Level
    /// What the worker types' plugins on this machine say of themselves, by worker type: the
    /// prices the orchestrator starts from, before any worker registers. The caller describes
    /// the plugins (`d8 serve`: D8Worker's `RouteReport`), so the server never loads one.
    public var pluginDescriptions: [String: JSONValue]
    /// Task types none of whose worker types can run on this machine, with the reasons: warned
    /// of at start (zero-cost mode, a missing key).
    public var unroutable: [(taskType: String, reasons: [String])]

    public init(
        config: D8Config = .embeddedDefault, logLevel: Logger.Level = .info,
        pluginDescriptions: [String: JSONValue] = [:], unroutable: [(taskType: String, reasons: [String])] = []
    ) {
        self.config = config
        self.logLevel = logLevel
        self.pluginDescriptions = pluginDescriptions
        self.unroutable = unroutable
    }
}

public struct ServerStartError: Error, CustomStringConvertible {
    public let description: String
}

/// Builds the orchestrator: opens the store under `server.data_dir`, rebuilds the queues from
/// it and returns the HTTP application. `onListening` gets the bound port (useful with port 0).
public func buildApplication(
    _ arguments: ServerArguments,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    let logger = {
        var logger = Logger(label: "d8.orchestrator")
        logger.logLevel = arguments.logLevel
        return logger
    }()
    let config = arguments.config
    let auth = config.auth
    let authOff = auth.workerToken == nil && auth.clientKeys.isEmpty
    let loopback = ["127.0.0.1", "localhost", "::1"].contains(config.server.host) || config.server.host.hasPrefix("127.")
    if authOff, !loopback {
        guard config.server.allowInsecure else {
            throw ServerStartError(description: "refusing to listen on \(config.server.host) without auth: set auth.worker_token and auth.client_keys, or server.allow_insecure: true")
        }
        logger.warning("listening on a non-loopback address WITHOUT auth (server.allow_insecure is true)")
    }

    let store = try await openStore(config, logger: logger)
    let orchestrator = try await Orchestrator(config: config, store: store, logger: logger, pluginDescriptions: arguments.pluginDescriptions)
    // Zero-cost mode and missing keys: say which task types nothing can serve from here.
    for (taskType, reasons) in arguments.unroutable {
        logger.warning("no worker type of this task type can run with this environment", metadata: ["task_type": "\(taskType)", "reasons": "\(reasons.joined(separator: "; "))"])
    }

    let router = Router(context: D8RequestContext.self)
    if config.server.metrics { router.middlewares.add(HTTPMetricsMiddleware(metrics: orchestrator.metrics)) }
    router.middlewares.add(ErrorMiddleware(logger: logger))
    router.middlewares.add(AuthMiddleware(workerToken: auth.workerToken, clientKeys: auth.clientKeys))
    StatsController(orchestrator: orchestrator).addRoutes(to: router)
    TaskController(orchestrator: orchestrator).addRoutes(to: router)
    JobController(orchestrator: orchestrator).addRoutes(to: router)
    WorkerController(orchestrator: orchestrator).addRoutes(to: router)
    OpenAPIController().addRoutes(to: router)
    OpenAIController(orchestrator: orchestrator).addRoutes(to: router)
    if config.server.metrics { MetricsController(orchestrator: orchestrator).addRoutes(to: router) }
    try UIController(orchestrator: orchestrator).addRoutes(to: router)

    let host = config.server.host
    return Application(
        router: router,
        server: .http1(additionalChannelHandlers: [HangUpDetector(orchestrator: orchestrator)]),
        configuration: .init(address: .hostname(host, port: config.server.port), serverName: "d8"),
        services: [orchestrator],
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? config.server.port
            let authState = authOff ? "off (loopback only)" : "on" + (auth.workerToken == nil ? "; worker endpoints open: auth.worker_token is not set" : "") + (auth.clientKeys.isEmpty ? "; client endpoints open: no auth.client_keys" : "")
            logger.info("d8 orchestrator listening on http://\(host):\(port)", metadata: ["data_dir": "\(config.server.dataDir)", "auth": "\(authState)"])
            await onListening(port)
        },
        logger: logger
    )
}

/// The store `server.store` names: SQLite under `data_dir`, or the cluster's PostgreSQL (this
/// process a node of it, with an id of its own).
func openStore(_ config: D8Config, logger: Logger) async throws -> any TaskStorage {
    switch config.server.store {
    case .sqlite:
        do { return try TaskStore(directory: config.server.dataDir, durability: config.server.durability, logger: logger) } catch {
            throw ServerStartError(description: "cannot open the task store in '\(config.server.dataDir)': \(error)")
        }
    case .postgres:
        let nodeID = "n" + String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(11))
        do {
            let budgetsOn = config.budgets.dailyUSD != nil || !config.budgets.workerTypesDailyUSD.isEmpty || config.auth.clientKeys.contains { $0.dailyBudgetUSD != nil }
            return try await PostgresStore.open(
                config.server.postgres, aging: config.queue.aging.seconds, durability: config.server.durability,
                budgets: (config.budgets.utcOffsetMinutes, budgetsOn), nodeID: nodeID, logger: logger)
        } catch {
            throw ServerStartError(description: "cannot open the shared task store at \(PostgresStore.redact(config.server.postgres.url)): \(error)")
        }
    }
}
