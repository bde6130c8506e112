import D8Core
import D8Harness
import Foundation
import Testing

/// PostgreSQL going away under a cluster: restarted (crash-restart) while clients submit, and
/// stopped for a while. These restart the shared test server (D8_TEST_POSTGRES_DIR), which is
/// why the suite is serialized and runs in the Makefile's one-at-a-time pass.
extension ClusterTests {
    @Test(.enabled(if: ClusterDatabase.serverDir != nil, "needs D8_TEST_POSTGRES_DIR, the test server's folder, to restart it"))
    func aPostgreSQLRestartUnderSubmitsLosesNoAcceptedTaskAndTheNodesRecover() async throws {
        let serverDir = try #require(ClusterDatabase.serverDir)
        let cluster = try PostgresCluster(nodes: 3, postgres: "timeout: 2s\nnode_timeout: 5s")
        defer { cluster.shutdown() }
        defer { PostgresServer.ensureRunning(serverDir) } // before the database is dropped
        try cluster.startWorker(id: "w0", nodes: [0, 1, 2])
        try cluster.startWorker(id: "w1", nodes: [2, 1, 0])

        // Submits to the nodes in turn for 7 s; PostgreSQL is crash-restarted 1.5 s in.
        let begin = ContinuousClock.now
        let submitting = Task {
            try await onThread { () -> [Submit] in
                var answers: [Submit] = []
                var n = 0
                while ContinuousClock.now - begin < .seconds(7) {
                    let node = n % 3
                    let sent = ContinuousClock.now
                    let answer = Result { try cluster.submit(on: node, data: ["n": JSONValue(n)]) }
                    answers.append(Submit(node: node, sent: sent - begin, took: ContinuousClock.now - sent, answer: answer))
                    n += 1
                    Thread.sleep(forTimeInterval: 0.02)
                }
                return answers
            }
        }
        try await Task.sleep(for: .milliseconds(1500))
        let restartBegan = ContinuousClock.now - begin
        try PostgresServer.restartImmediately(serverDir)
        let restartEnded = ContinuousClock.now - begin
        let answers = try await submitting.value

        let accepted = answers.compactMap { $0.status == 201 ? $0.taskID : nil }
        let refused = answers.filter { $0.status != 201 }
        let summary = "\(answers.count) submits: \(accepted.count) accepted, \(refused.count) refused; restart from \(restartBegan) to \(restartEnded)"
        print("ClusterTests: \(summary)")
        #expect(accepted.count > 0 && refused.count < answers.count)
        // Refused only as the protocol says: 503 store_unavailable, with words.
        for submit in refused {
            #expect(submit.status == 503 && submit.code == "store_unavailable" && !(submit.error ?? "").isEmpty, "\(submit)")
        }
        // The nodes came back by themselves: accepted submits after the restart, soon after it.
        let firstAfter = answers.first { $0.status == 201 && $0.sent > restartEnded }
        #expect(firstAfter != nil, "no submit was accepted after the restart: \(summary)\n\(refused.suffix(5))\n\(cluster.logs())")
        if let firstAfter { #expect(firstAfter.sent - restartEnded < .seconds(5), "first accepted \(firstAfter.sent - restartEnded) after the restart") }
        for node in 0..<3 {
            #expect(cluster.isRunning(node))
            var last: NodeAnswer?
            let recovered = await eventually(timeout: .seconds(10), every: .milliseconds(200)) {
                last = try cluster.submit(on: node, data: ["after": JSONValue(node)])
                return last?.status == 201
            }
            #expect(recovered, "node \(node) after the restart: \(last.map(String.init(describing:)) ?? "no answer")")
        }

        // Every accepted task completes, once.
        let acceptedSet = Set(accepted)
        var missing = acceptedSet
        let allDone = await eventually(timeout: .seconds(30), every: .milliseconds(250)) {
            let done = Set(try cluster.rows("SELECT task_id FROM completions WHERE status = 'completed'").map { $0[0] })
            missing = acceptedSet.subtracting(done)
            return missing.isEmpty
        }
        #expect(allDone, "\(missing.count) accepted tasks never completed: \(missing.prefix(5))\n\(cluster.logs())")
        for id in missing.prefix(5) {
            print("ClusterTests: missing \(id): \((try? cluster.rows("SELECT status, owner, assigned_to, attempt, lease_expires_at FROM tasks WHERE task_id = '\(id)'")) ?? [])")
        }
    }

    @Test(.enabled(if: ClusterDatabase.serverDir != nil, "needs D8_TEST_POSTGRES_DIR, the test server's folder, to stop it"))
    func whilePostgreSQLIsDownSubmitsAre503StoreUnavailableInTimeAndTheNodesRecover() async throws {
        let serverDir = try #require(ClusterDatabase.serverDir)
        let cluster = try PostgresCluster(nodes: 2, postgres: "timeout: 2s\nnode_timeout: 5s")
        defer { cluster.shutdown() }
        defer { PostgresServer.ensureRunning(serverDir) }
        try cluster.startWorker(id: "w", nodes: [0, 1])
        let before = try cluster.submitted(on: 0)
        #expect(try cluster.status(before, on: 1, wait: 10).body["d8_status"] == "completed")

        try PostgresServer.stopImmediately(serverDir)
        // Several submits to each node while it is away: each refused within postgres.timeout (2 s) and a margin.
        for round in 0..<2 {
            for node in 0..<2 {
                let sent = ContinuousClock.now
                let answer = try cluster.submit(on: node, data: ["round": JSONValue(round)], timeout: .seconds(15))
                let took = ContinuousClock.now - sent
                #expect(answer.status == 503 && answer.code == "store_unavailable", "node \(node): \(answer)")
                let words = answer.body["error"]?.stringValue ?? ""
                #expect(!words.isEmpty, "in words: \(answer)")
                #expect(took < .seconds(4), "node \(node) answered after \(took): \(answer)")
                print("ClusterTests: with PostgreSQL down node \(node) answered \(answer.status) in \(took)")
            }
        }
        try await Task.sleep(for: .seconds(2)) // a longer outage: the pools' connections are all gone

        try PostgresServer.start(serverDir)
        let restarted = ContinuousClock.now
        for node in 0..<2 {
            var last: NodeAnswer?
            let recovered = await eventually(timeout: .seconds(15), every: .milliseconds(200)) {
                last = try cluster.submit(on: node, data: ["after": JSONValue(node)])
                return last?.status == 201
            }
            #expect(recovered, "node \(node) after PostgreSQL came back: \(last.map(String.init(describing:)) ?? "no answer")\n\(cluster.logs())")
            print("ClusterTests: node \(node) accepted a submit \(ContinuousClock.now - restarted) after PostgreSQL came back")
            if let id = last?.taskID, recovered {
                let status = try cluster.status(id, on: 1 - node, wait: 15).body
                #expect(status["d8_status"] == "completed", "\(status.jsonString)\n\(cluster.logs())")
            }
            #expect(cluster.isRunning(node))
        }
    }
}

/// One submit of the continuous load: when, to which node, and its answer or why none came.
struct Submit: CustomStringConvertible {
    let node: Int
    let sent: Duration
    let took: Duration
    let answer: Result<NodeAnswer, any Error>

    var status: Int? { try? answer.get().status }
    var code: String? { (try? answer.get())?.code }
    var error: String? { (try? answer.get())?.body["error"]?.stringValue }
    var taskID: String? { (try? answer.get())?.taskID }
    var description: String {
        let what = (try? answer.get()).map(String.init(describing:)) ?? "no answer: \(answer)"
        return "node \(node) at \(sent) (took \(took)): \(what)"
    }
}

/// The test PostgreSQL server (scripts/postgres.sh's cluster in D8_TEST_POSTGRES_DIR): crash-
/// restart, stop at once, start again.
enum PostgresServer {
    static var script: String { Repository.root.appendingPathComponent("scripts/postgres.sh").path }

    static func restartImmediately(_ dir: String) throws {
        try run(script, ["restart-immediate", dir])
    }

    /// `pg_ctl stop -m immediate`, with the pg_ctl scripts/postgres.sh uses, as the user it
    /// runs the server as (postgres when we are root).
    static func stopImmediately(_ dir: String) throws {
        try run("/bin/bash", ["-c", """
            set -euo pipefail
            bin=""
            if initdb=$(command -v initdb 2>/dev/null); then
                d=$(dirname "$(readlink -f "$initdb")")
                if [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then bin=$d; fi
            fi
            [ -n "$bin" ] || bin=$(ls -d /usr/lib/postgresql/*/bin | sort -t/ -k4,4 -rn | head -n 1)
            cd /
            if [ "$(id -u)" -eq 0 ]; then
                runuser -u postgres -- "$bin/pg_ctl" -D "$1/data" stop -m immediate -w -t 30
            else
                "$bin/pg_ctl" -D "$1/data" stop -m immediate -w -t 30
            fi
            """, "stop", dir])
    }

    /// Starts the stopped server again (scripts/postgres.sh reuses the cluster in `dir`) and
    /// waits until it accepts connections.
    static func start(_ dir: String) throws {
        try run(script, ["start", dir])
    }

    static func isRunning(_ url: String) -> Bool { (try? ClusterDatabase.psql(url, "SELECT 1")) == "1" }

    /// For a `defer`: whatever the test did, the server runs again for the tests after it.
    static func ensureRunning(_ dir: String) {
        guard let url = ClusterDatabase.baseURL, !isRunning(url) else { return }
        do { try start(dir) } catch { print("ClusterTests: could not start the test PostgreSQL again: \(error)") }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let result = try ClusterDatabase.run(executable, arguments, timeout: .seconds(90))
        guard result.status == 0 else {
            throw ProcessFailure("\(executable) \(arguments.last ?? "") failed (\(result.status)): \(result.stderr)")
        }
    }
}
