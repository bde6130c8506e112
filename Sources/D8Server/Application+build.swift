import Hummingbird
import Logging

/// What `d8 serve` needs to start an orchestrator; tests build their own.
public struct ServerArguments: Sendable {
    public var host: String
    /// 0 picks a free port; the bound one is reported through `onListening`.
    public var port: Int
    public var logLevel: Logger.Level

    public init(host: String = "127.0.0.1", port: Int = 7001, logLevel: Logger.Level = .info) {
        self.host = host
        self.port = port
        self.logLevel = logLevel
    }
}

/// Builds the orchestrator's HTTP application. `onListening` gets the bound port.
public func buildApplication(
    _ arguments: ServerArguments,
    onListening: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let logger = {
        var logger = Logger(label: "d8.orchestrator")
        logger.logLevel = arguments.logLevel
        return logger
    }()

    let router = Router()
    router.addRoutes(HealthController().endpoints)

    return Application(
        router: router,
        configuration: .init(address: .hostname(arguments.host, port: arguments.port), serverName: "d8"),
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? arguments.port
            logger.info("d8 orchestrator listening on http://\(arguments.host):\(port)")
            await onListening(port)
        },
        logger: logger
    )
}
