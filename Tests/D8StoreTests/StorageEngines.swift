import D8Core
import D8Postgres
import D8Store
import Foundation
import Testing

/// The engines a storage test runs on: SQLite always; PostgreSQL when `D8_TEST_POSTGRES_URL`
/// names a server (`make test` starts a throwaway one through scripts/with-postgres.sh).
enum Engine: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static let postgresURL = ProcessInfo.processInfo.environment["D8_TEST_POSTGRES_URL"]
    static var available: [Engine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// A schema of its own for one test (`?search_path=`), dropped afterwards: tests never see each
/// other's rows. A schema, not a database: creating and dropping databases forces checkpoints,
/// which slow every test sharing the server.
struct ScratchDatabase: Sendable {
    let name: String
    let url: String

    static func create() async throws -> ScratchDatabase {
        guard let base = Engine.postgresURL, var components = URLComponents(string: base) else {
            throw StoreTestError("D8_TEST_POSTGRES_URL is not set")
        }
        let name = "d8t_" + UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(16)
        try await psqlOffThePool(base, "CREATE SCHEMA \(name)")
        components.queryItems = (components.queryItems ?? []) + [URLQueryItem(name: "search_path", value: name)]
        return ScratchDatabase(name: name, url: components.string!)
    }

    func drop() async {
        if let base = Engine.postgresURL { _ = try? await psqlOffThePool(base, "DROP SCHEMA IF EXISTS \(name) CASCADE") }
    }

    /// One statement through psql in this schema; its first column's rows.
    @discardableResult
    func query(_ sql: String) async throws -> [String] {
        try await psqlOffThePool(Engine.postgresURL ?? url, sql, schema: name)
    }
}

/// `psql` blocks until the server answers: run it on a thread of its own, never on the
/// cooperative pool that the stores under test need.
@discardableResult
func psqlOffThePool(_ url: String, _ sql: String, schema: String? = nil) async throws -> [String] {
    let result: Result<[String], any Error> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: Result { try psql(url, sql, schema: schema) }) }
    }
    return try result.get()
}

@discardableResult
func psql(_ url: String, _ sql: String, schema: String? = nil) throws -> [String] {
    let process = Process()
    if let schema { process.environment = ProcessInfo.processInfo.environment.merging(["PGOPTIONS": "-csearch_path=\(schema)"]) { $1 } }
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql]
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw StoreTestError("psql failed: \(errorText)") }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}

struct StoreTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Opens a PostgreSQL store (one cluster node) on `database`.
func openPostgres(_ database: ScratchDatabase, node: String = "node-a", timeout: Duration = .seconds(5), pool: Int = 4,
                  budgets: (utcOffsetMinutes: Int, enabled: Bool) = (0, false)) async throws -> PostgresStore {
    var config = PostgresConfig()
    config.url = database.url
    config.pool = pool
    config.timeout = timeout
    config.nodeTimeout = .seconds(2)
    return try await PostgresStore.open(config, aging: 60, durability: .disk, budgets: budgets, nodeID: node, logger: quietLogger)
}

/// A fresh, empty store of `engine` for one test, closed (and its database dropped) after `body`.
func withStorage(_ engine: Engine, _ body: (any TaskStorage) async throws -> Void) async throws {
    switch engine {
    case .sqlite:
        try await withStore { store, _ in try await body(store) }
    case .postgres:
        let database = try await ScratchDatabase.create()
        do {
            let store = try await openPostgres(database)
            do {
                try await body(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        } catch {
            await database.drop()
            throw error
        }
        await database.drop()
    }
}
