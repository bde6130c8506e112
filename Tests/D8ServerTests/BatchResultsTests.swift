import D8Core
import Foundation
import Testing

@Suite("Results in batches, and worker ids of any characters")
struct BatchResultsTests {
    @Test func manyResultsInOneRequestEachWithItsOutcome() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w", slots: 3)
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try #require(try await client.submit()["task_id"]?.stringValue)) }
            let tasks = try #require(try await client.poll("w", max: 3)["tasks"]?.arrayValue)
            #expect(tasks.count == 3)
            var results: [JSONValue] = tasks.map { task in
                ["task_id": task["task_id"]!, "lease": task["lease"]!, "result": ["success": true, "output": "done"]]
            }
            results.append(["task_id": tasks[0]["task_id"]!, "lease": "not-the-lease", "result": ["success": true]])
            results.append(["task_id": "no-such-task", "result": ["success": true]])
            let reply = try await client.post("/api/workers/w/results", ["results": .array(results)])
            #expect(reply.status == 200)
            let outcomes = reply["results"]?.arrayValue?.map { $0["status"]?.stringValue ?? "" }
            #expect(outcomes == ["received", "received", "received", "refused", "refused"], "\(reply.body.jsonString)")
            #expect(reply["results"]?.arrayValue?[3]["http_status"] == 409)
            #expect(reply["results"]?.arrayValue?[4]["http_status"] == 404)
            #expect(reply["received"] == 3)
            for id in ids { #expect(try await client.status(id)["status"] == "completed") }
            // The same batch again: repeats, not counted twice.
            let again = try await client.post("/api/workers/w/results", ["results": .array(Array(results.prefix(3)))])
            #expect(again["results"]?.arrayValue?.map { $0["status"] } == ["duplicate", "duplicate", "duplicate"])
            let stats = try await client.get("/api/stats")
            #expect(stats["tasks"]?["completed"] == 3)
        }
    }

    @Test func aBadBatchIsRefusedWhole() async throws {
        try await withLiveServer { server in
            let client = server.client
            try await client.register("w")
            let missing = try await client.post("/api/workers/w/results", ["results": [["task_id": "t"]]])
            #expect(missing.status == 400)
            #expect(missing["error"]?.stringValue?.hasPrefix("results[0]: ") == true, "\(missing.body.jsonString)")
            #expect(try await client.post("/api/workers/w/results", ["results": []]).status == 400)
        }
    }

    @Test(arguments: ["pc josé", "w/1?x#y", "a%20b", "ünïcødé 🚀", "plus+and&amp"])
    func workerIDsWithAnyCharactersRegisterPollHeartbeatAndLeave(id: String) async throws {
        try await withLiveServer { server in
            let client = server.client
            let path = "/api/workers/" + id.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await client.register(id).status == 200)
            let taskID = try #require(try await client.submit()["task_id"]?.stringValue)
            let poll = try await client.get(path + "/tasks?wait=1")
            #expect(poll.status == 200, "\(poll.body.jsonString)")
            #expect(poll["task"]?["task_id"]?.stringValue == taskID)
            #expect(try await client.post(path + "/heartbeat").status == 200)
            let listed = try await client.get("/api/workers/list")["workers"]?.arrayValue?.first
            #expect(listed?["worker_id"]?.stringValue == id)
            #expect(listed?["busy_slots"] == 1)
            #expect(try await client.post(path + "/unregister").status == 200)
            #expect(try await client.status(taskID)["status"] == "pending", "its task went back")
            #expect(try await client.get("/api/workers/list")["total"] == 0)
        }
    }
}
