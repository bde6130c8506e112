import D8Core
import D8Store
import Foundation
import PostgresNIO

/// `server.postgres` made into the driver's configuration.
struct PostgresSettings: Sendable {
    let clientConfiguration: PostgresClient.Configuration
    /// For the one connection outside the pool: the one that LISTENs.
    let connectionConfiguration: PostgresConnection.Configuration
    /// The URL without its password, for logs.
    let redactedURL: String
    let timeout: Duration
    let connectTimeout: Duration
    let nodeTimeout: Duration
    let asynchronousCommit: Bool
    let host: String
    let port: Int
    let username: String
    let password: String?
    let database: String?

    init(_ config: PostgresConfig, durability: Durability) throws(StoreError) {
        guard let url = URLComponents(string: config.url), ["postgres", "postgresql"].contains(url.scheme ?? ""),
              let user = url.user, !user.isEmpty else {
            throw StoreError.schema("server.postgres.url must look like postgres://user[:password]@host[:port]/database, got '\(Self.redact(config.url))'", path: "postgres")
        }
        host = url.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = url.port ?? 5432
        username = user.removingPercentEncoding ?? user
        password = url.password.map { $0.removingPercentEncoding ?? $0 }
        let path = url.path.drop { $0 == "/" }
        database = path.isEmpty ? username : String(path)
        var configuration = PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: .disable)
        if let mode = url.queryItems?.first(where: { $0.name == "sslmode" })?.value, mode != "disable" {
            configuration.tls = mode == "require" ? .require(.makeClientConfiguration()) : .prefer(.makeClientConfiguration())
        }
        // `?search_path=name`: d8's tables live in that schema (one database, several uses).
        let searchPath = url.queryItems?.first(where: { $0.name == "search_path" })?.value
        if let searchPath { configuration.options.additionalStartupParameters = [("search_path", searchPath)] }
        configuration.options.maximumConnections = config.pool
        configuration.options.minimumConnections = min(2, config.pool)
        configuration.options.connectTimeout = config.timeout
        clientConfiguration = configuration
        var connection = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: .disable)
        connection.options.connectTimeout = .init(config.timeout)
        if let searchPath { connection.options.additionalStartupParameters = [("search_path", searchPath)] }
        connectionConfiguration = connection
        redactedURL = Self.redact(config.url)
        timeout = config.timeout
        connectTimeout = max(config.timeout, .seconds(10))
        nodeTimeout = config.nodeTimeout
        asynchronousCommit = durability == .process
    }

    static func redact(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }
}
