import D8Core
import D8Harness
import Foundation
import Testing

/// Nodes as separate hosts: network namespaces d8h1 and d8h2 (scripts/netns.sh), each node on
/// its namespace's address, PostgreSQL reached over the bridge from both.
extension ClusterTests {
    @Test(.enabled(if: NetworkNamespaces.available, "needs network namespaces (root, or CAP_NET_ADMIN and CAP_SYS_ADMIN): scripts/netns.sh check"))
    func nodesOnTwoHostsShareTheQueue() async throws {
        try NetworkNamespaces.up(2)
        defer { NetworkNamespaces.down() }
        // A PostgreSQL of its own, listening on the bridge's address too; stopped at the end.
        let scratch = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let pgDir = scratch + "/pg"
        defer { _ = try? ClusterDatabase.run(PostgresServer.script, ["stop", pgDir]) }
        let started = try ClusterDatabase.run(PostgresServer.script, ["start", pgDir], environment: ["D8_PG_LISTEN": NetworkNamespaces.rootAddress])
        #expect(started.status == 0, "\(started.stderr)")
        let local = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        var components = try #require(URLComponents(string: local), "postgres.sh printed '\(local)'")
        components.host = NetworkNamespaces.rootAddress
        let databaseURL = try #require(components.string)

        let placements = try (1...2).map { host in
            PostgresCluster.Placement(host: NetworkNamespaces.address(host), binary: try NetworkNamespaces.launcher(host: host, in: scratch))
        }
        let cluster = try PostgresCluster(nodes: 2, server: "allow_insecure: true", databaseURL: databaseURL, placements: placements)
        defer { cluster.shutdown() }
        #expect(cluster.url(0).hasPrefix("http://10.208.0.11:") && cluster.url(1).hasPrefix("http://10.208.0.12:"), "\(cluster.urls)")
        // Both nodes live in the database, each seen from its own host.
        #expect(await eventually(timeout: .seconds(5)) { try cluster.count("SELECT count(*) FROM nodes") == 2 })
        let clientAddresses = Set(try cluster.rows("SELECT host(client_addr) FROM pg_stat_activity WHERE datname = current_database() AND client_addr IS NOT NULL").map { $0[0] })
        #expect(clientAddresses.isSuperset(of: ["10.208.0.11", "10.208.0.12"]), "connections from \(clientAddresses)")

        // A worker in the root namespace, talking to node 2; a task submitted to node 1.
        try cluster.startWorker(id: "root-ns", nodes: [1])
        let id = try cluster.submitted(on: 0)
        let status = try cluster.status(id, on: 0, wait: 15).body
        #expect(status["d8_status"] == "completed", "\(status.jsonString)\n\(cluster.logs())")
        #expect(status["assigned_to"] == "root-ns")
        let completions = try cluster.rows("SELECT task_id, node FROM completions")
        #expect(completions == [[id, cluster.nodes[1].nodeID]], "completed by node 2: \(completions)")
    }
}

/// scripts/netns.sh: namespaces d8h1..d8hN on 10.208.0.0/24, the root namespace at 10.208.0.1.
enum NetworkNamespaces {
    static let rootAddress = "10.208.0.1"
    static var script: String { Repository.root.appendingPathComponent("scripts/netns.sh").path }

    static func address(_ host: Int) -> String { "10.208.0.\(10 + host)" }

    /// Whether namespaces can be made here (`scripts/netns.sh check`); when not, says why once.
    static let available: Bool = {
        guard ClusterDatabase.baseURL != nil else { return false }
        guard let result = try? ClusterDatabase.run(script, ["check"], timeout: .seconds(30)) else {
            print("ClusterTests: skipping the network namespace test: scripts/netns.sh check did not run")
            return false
        }
        if result.status != 0 {
            print("ClusterTests: skipping the network namespace test: \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.status == 0
    }()

    static func up(_ count: Int) throws {
        let result = try ClusterDatabase.run(script, ["up", "\(count)"], timeout: .seconds(30))
        guard result.status == 0 else { throw ProcessFailure("netns.sh up \(count): \(result.stderr)") }
    }

    static func down() {
        _ = try? ClusterDatabase.run(script, ["down"], timeout: .seconds(30))
    }

    /// A script that runs d8 with its arguments in namespace d8h`host`.
    static func launcher(host: Int, in dir: String) throws -> URL {
        let path = dir + "/d8-in-d8h\(host)"
        let d8 = D8Binary.url.path
        try "#!/bin/sh\nexec ip netns exec d8h\(host) '\(d8)' \"$@\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return URL(fileURLWithPath: path)
    }
}
