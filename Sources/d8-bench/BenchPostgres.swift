import D8Harness
import Foundation

/// The PostgreSQL a benchmark or chaos run uses: a throwaway cluster made with
/// scripts/postgres.sh (in a temporary folder, stopped and removed by `stop`), or one given by
/// URL (and, optionally, its folder: then its processes' CPU can be read and it can be
/// crash-restarted). Each run works in a fresh database of its own (`freshDatabase`), reached
/// through psql.
final class BenchPostgres: @unchecked Sendable { // fields are set once; `databases` only from the run's thread
    /// postgres://role@host:port/database of the cluster as given or made.
    let url: String
    /// The folder of the cluster (scripts/postgres.sh's DIR), when known.
    let dir: String?
    /// True when this run made the cluster and must stop it.
    let owned: Bool
    private var databases: [String] = []

    private init(url: String, dir: String?, owned: Bool) {
        self.url = url
        self.dir = dir
        self.owned = owned
    }

    /// The cluster at `url` (with its folder `dir`, if known), or a throwaway one.
    static func obtain(url: String?, dir: String?) throws -> BenchPostgres {
        if let url { return BenchPostgres(url: url, dir: dir, owned: false) }
        let script = try Self.script()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("d8-bench-pg-\(UUID().uuidString.prefix(8))").path
        let started = try Self.run(script, ["start", folder])
        guard started.status == 0, let line = started.stdout.split(separator: "\n").last, line.hasPrefix("postgres") else {
            try? FileManager.default.removeItem(atPath: folder)
            throw ProcessFailure("\(script) start \(folder) failed (status \(started.status)): \(started.stderr.suffix(2000))")
        }
        return BenchPostgres(url: String(line), dir: folder, owned: true)
    }

    /// scripts/postgres.sh of the repository: found from this executable's folder upwards, else
    /// from the working directory upwards.
    static func script() throws -> String {
        let starts = [URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent(),
                      URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        for start in starts {
            var dir = start.standardizedFileURL
            while true {
                let candidate = dir.appendingPathComponent("scripts/postgres.sh").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                if dir.path == "/" { break }
                dir = dir.deletingLastPathComponent()
            }
        }
        throw ProcessFailure("scripts/postgres.sh not found above \(CommandLine.arguments[0]) or the working directory: run from the repository, or give --postgres-url")
    }

    /// A new, empty database on the cluster; its URL. Dropped by `dropDatabases` (or with the cluster).
    func freshDatabase(prefix: String) throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try query("CREATE DATABASE \(name)", on: url)
        databases.append(name)
        return Self.url(url, database: name)
    }

    /// Drops the databases this run made (the nodes using them must be stopped first).
    func dropDatabases() {
        for name in databases { _ = try? query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: url) }
        databases = []
    }

    /// Leaves the databases made so far in place (for a look after a failed run).
    func keepDatabases() { databases = [] }

    /// Stops and removes the cluster if this run made it, else drops the run's databases.
    func stop() {
        guard owned, let dir else { dropDatabases(); return }
        if let script = try? Self.script() { _ = try? Self.run(script, ["stop", dir]) }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// `pg_ctl restart -m immediate` (a crash and recovery) through scripts/postgres.sh; the
    /// seconds it took, back accepting connections.
    func restartImmediate() throws -> Double {
        guard let dir else { throw ProcessFailure("restarting PostgreSQL needs its folder (--postgres-dir)") }
        let began = ContinuousClock.now
        let result = try Self.run(try Self.script(), ["restart-immediate", dir])
        guard result.status == 0 else { throw ProcessFailure("postgres.sh restart-immediate failed: \(result.stderr.suffix(2000))") }
        return (ContinuousClock.now - began).seconds
    }

    /// User + system CPU seconds of every process of the cluster so far: the postmaster and its
    /// children (backends, checkpointer, walwriter...), plus what exited children used (the
    /// postmaster's cutime and cstime). nil when the cluster's folder is not known.
    var cpuSeconds: Double? {
        guard let dir, let text = try? String(contentsOfFile: dir + "/data/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let postmaster = Int32(first.trimmingCharacters(in: .whitespaces)) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var total = 0.0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let fields = Self.statFields(pid) else { continue }
            // fields[0] is the state (field 3); ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
            guard let ppid = Int32(fields[1]) else { continue }
            if pid == postmaster {
                total += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0) + (Double(fields[13]) ?? 0) + (Double(fields[14]) ?? 0)
            } else if ppid == postmaster {
                total += (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
            }
        }
        return total / ticks
    }

    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 14 ? fields : nil
    }

    /// Rows of a query through psql, each a list of fields (unaligned, unit-separated).
    @discardableResult
    func query(_ sql: String, on database: String) throws -> [[String]] {
        let result = try Self.run(try Self.psql(), ["-X", "-q", "-A", "-t", "-F", "\u{1F}", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql])
        guard result.status == 0 else { throw ProcessFailure("psql failed (status \(result.status)) on \(sql.prefix(200)): \(result.stderr.suffix(1000))") }
        return result.stdout.split(separator: "\n", omittingEmptySubsequences: true).map { $0.split(separator: "\u{1F}", omittingEmptySubsequences: false).map(String.init) }
    }

    /// psql: on PATH, else beside the newest server in /usr/lib/postgresql/*/bin.
    static func psql() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/psql"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        for version in versions where FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/psql") {
            return "/usr/lib/postgresql/\(version)/bin/psql"
        }
        throw ProcessFailure("psql not found on PATH or in /usr/lib/postgresql/*/bin")
    }

    /// `url` with its database replaced.
    static func url(_ url: String, database: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.path = "/" + database
        return components.string ?? url
    }

    /// Runs a program to completion from /, its output going to files. posix_spawn and waitpid,
    /// not Foundation's Process: a server the program leaves running (pg_ctl start) inherits
    /// what Process watches for the child's exit, so Process would wait for the server too.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("d8-bench-run-\(UUID().uuidString)").path
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // From / (so no tool minds the caller's folder), through bash.
        let argv = ["/bin/bash", "-c", "cd / && exec \"$0\" \"$@\"", executable] + arguments
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for arg in cArgs { free(arg) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, &cArgs, environ)
        guard spawned == 0 else { throw ProcessFailure("cannot run \(executable): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exit = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        return (exit, stdout, stderr)
    }
}
