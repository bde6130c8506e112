import D8Harness
import Foundation

/// The PostgreSQL the cluster tests use: `D8_TEST_POSTGRES_URL` (set by `make test` through
/// scripts/with-postgres.sh), or none, and then every cluster test is skipped.
///
/// Each test makes a database of its own on that server (`create`), named `d8t_<random>`, and
/// drops it at the end (`drop`): the tests share the server, never a database. The role of the
/// URL may create databases (scripts/postgres.sh makes it so).
enum ClusterDatabase {
    static var baseURL: String? { nonEmpty("D8_TEST_POSTGRES_URL") }
    /// The folder of the throwaway server (scripts/postgres.sh), for restarting it.
    static var serverDir: String? { nonEmpty("D8_TEST_POSTGRES_DIR") }

    private static func nonEmpty(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A fresh database on the server of `base` (the test server by default): its URL.
    static func create(on base: String? = nil) throws -> String {
        guard let base = base ?? baseURL else { throw ProcessFailure("D8_TEST_POSTGRES_URL is not set") }
        let name = "d8t_" + UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(12)
        try psql(base, "CREATE DATABASE \(name)")
        return url(base, database: name)
    }

    /// Drops the database of `url`, closing whatever connections its nodes left.
    static func drop(_ url: String) {
        guard let name = database(of: url) else { return }
        _ = try? psql(Self.url(url, database: "postgres"), "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    /// `base` with its database (the URL's path) replaced by `database`.
    static func url(_ base: String, database: String) -> String {
        guard var components = URLComponents(string: base) else { return base }
        components.path = "/" + database
        return components.string ?? base
    }

    static func database(of url: String) -> String? {
        URLComponents(string: url).map { String($0.path.drop { $0 == "/" }) }.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `sql` with psql against `url`: the rows, unaligned, one a line, columns split by
    /// `|`, without headers. Throws with psql's words when it fails.
    @discardableResult
    static func psql(_ url: String, _ sql: String, timeout: Duration = .seconds(20)) throws -> String {
        let result = try run("/usr/bin/env", ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                             environment: ["PGCONNECT_TIMEOUT": "5"], timeout: timeout)
        guard result.status == 0 else {
            throw ProcessFailure("psql '\(sql)' failed (\(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs "$@" with every descriptor above 2 closed (the shell keeps its own until it exits).
    private static let withoutInheritedDescriptors = """
        closing=""
        for fd in /proc/$$/fd/*; do
            n=${fd##*/}
            if [ "$n" -gt 2 ]; then closing="$closing $n>&-"; fi
        done
        eval "\\"\\$@\\" $closing"
        """

    /// The rows of `sql`, each split into its columns.
    static func rows(_ url: String, _ sql: String) throws -> [[String]] {
        try psql(url, sql).split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Runs a program to its end (killed after `timeout`): its status, stdout and stderr.
    ///
    /// Through a shell that starts the program without the descriptors beyond stdio: Foundation
    /// learns that a child exited when the child's end of a socket pair closes, so a daemon the
    /// program leaves behind (`pg_ctl start` leaves the PostgreSQL server) would otherwise hold it
    /// and the program would seem to run for as long as the daemon does.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                    timeout: Duration = .seconds(60)) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", Self.withoutInheritedDescriptors, "run", executable] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Files, not pipes: nothing blocks on a full pipe, whatever the program writes.
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        FileManager.default.createFile(atPath: dir + "/out", contents: nil)
        FileManager.default.createFile(atPath: dir + "/err", contents: nil)
        guard let out = FileHandle(forWritingAtPath: dir + "/out"), let err = FileHandle(forWritingAtPath: dir + "/err") else {
            throw ProcessFailure("cannot write in \(dir)")
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ProcessFailure("\(executable) \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        let stdout = (try? String(contentsOfFile: dir + "/out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: dir + "/err", encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout, stderr)
    }
}
