import D8Core
import D8Harness
import Foundation
import Testing

/// Bad requests, unknown models and spent budgets, in OpenAI's error shape.
@Suite("Front door: refusals")
struct FrontDoorRefusalTests {
    static func ask(_ server: LiveServer, _ body: JSONValue, headers: [String: String] = [:]) async throws -> HTTPTestClient.Reply {
        try await server.client.send("POST", "/v1/chat/completions", body: body.jsonData, contentType: "application/json", headers: headers)
    }

    static let groqHello: JSONValue = ["model": "groq", "messages": [["role": "user", "content": "x"]]]

    @Test(arguments: [
        (["model": "echo"], "messages"),
        (["model": "echo", "messages": [["role": "user", "content": "x"]], "temperature": 3], "temperature"),
        (["model": "echo", "messages": [["role": "user", "content": "x"]], "logprobs": true], "logprobs"),
        (["model": "echo", "messages": [["role": "user", "content": "x"]], "n": 2], "n"),
        (["model": "echo", "messages": [["role": "wizard", "content": "x"]]], "messages[0].role"),
        (["model": "echo", "messages": [["role": "user", "content": [["type": "image_url", "image_url": [:]]]]]], "messages[0].content[0]"),
        (["model": "echo", "messages": [["role": "user", "content": "x"]], "tool_choice": "auto"], "tool_choice"),
        (["model": "echo", "messages": [["role": "user", "content": "x"]], "frobnicate": 1], "frobnicate"),
    ] as [(JSONValue, String)])
    func aBadFieldIsA400NamingIt(body: JSONValue, param: String) async throws {
        try await withLiveServer { server in
            let answer = try await Self.ask(server, body)
            #expect(answer.status == 400)
            #expect(answer["error"]?["type"] == "invalid_request_error")
            #expect(answer["error"]?["param"]?.stringValue == param)
            #expect(answer["error"]?["message"]?.stringValue?.isEmpty == false)
        }
    }

    @Test func anUnknownModelIsA404() async throws {
        try await withLiveServer { server in
            let answer = try await Self.ask(server, ["model": "gpt-9", "messages": [["role": "user", "content": "x"]]])
            #expect(answer.status == 404)
            #expect(answer["error"]?["code"] == "model_not_found")
            #expect(answer["error"]?["param"] == "model")
        }
    }

    @Test func aSpentBudgetIsA429WithRetryAfter() async throws {
        try await withLiveServer { config in
            config.auth.clientKeys = [ClientKey(name: "c", key: "sk-c", dailyBudgetUSD: 0)]
            config.workerTypes[config.workerTypeIndex(named: "groq")!].settings["prices"] = .map(["llama-3.3-70b-versatile": .map(["input_usd_per_mtok": .number(1), "output_usd_per_mtok": .number(1)])])
        } run: { server in
            let answer = try await server.client("sk-c").send("POST", "/v1/chat/completions", body: Self.groqHello.jsonData, contentType: "application/json")
            #expect(answer.status == 429)
            #expect(answer["error"]?["code"] == "budget_exceeded")
            let retryAfter = try #require(answer.headers["retry-after"].flatMap(Int.init))
            #expect(retryAfter > 0 && retryAfter <= 86_400)
        }
    }

    @Test func aCeilingThatExcludesEveryRouteIsA400NamingIt() async throws {
        try await withLiveServer { config in
            config.workerTypes[config.workerTypeIndex(named: "groq")!].settings["prices"] = .map(["llama-3.3-70b-versatile": .map(["input_usd_per_mtok": .number(100), "output_usd_per_mtok": .number(100)])])
        } run: { server in
            let answer = try await Self.ask(server, ["model": "groq", "messages": [["role": "user", "content": "x"]]], headers: ["x-d8-max-cost-usd": "0.000001"])
            #expect(answer.status == 400)
            #expect(answer["error"]?["code"] == "no_eligible_model")
            #expect(answer["error"]?["message"]?.stringValue?.contains("max_cost_usd") == true)
        }
    }

    @Test func aBadHeaderIsA400NamingIt() async throws {
        try await withLiveServer { server in
            let answer = try await Self.ask(server, ["model": "echo", "messages": [["role": "user", "content": "x"]]], headers: ["x-d8-priority": "11"])
            #expect(answer.status == 400)
            #expect(answer["error"]?["param"] == "x-d8-priority")
        }
    }
}

/// Fields some providers cannot honour: the request goes where they can, or is refused by name.
@Suite("Front door: fields per provider")
struct FrontDoorFieldTests {
    @Test func aFieldNoRouteCanHonourIsA400NamingIt() async throws {
        try await withLiveServer { server in
            let answer = try await FrontDoorRefusalTests.ask(server, ["model": "claude", "seed": 7, "messages": [["role": "user", "content": "x"]]])
            #expect(answer.status == 400)
            #expect(answer["error"]?["param"] == "seed")
            #expect(answer["error"]?["message"]?.stringValue?.contains("claude cannot honour 'seed'") == true)
        }
    }

    @Test func aRouteMemberThatCannotHonourAFieldIsPassedOver() async throws {
        try await withLiveServer { config in
            var alias = ModelAlias(name: "mixed", route: ["claude", "echo"])
            alias.strategy = .ordered
            config.frontDoor.aliases = [alias]
        } run: { server in
            let client = server.client
            try await client.register("c", type: "claude")
            try await client.register("e", type: "echo")
            async let reply = client.post("/v1/chat/completions", ["model": "mixed", "seed": 7, "messages": [["role": "user", "content": "x"]]])
            // Claude comes first in the route, but cannot take a seed: echo gets it.
            let task = try #require(try await client.poll("e", wait: 5)["task"])
            #expect(try await client.poll("c")["task"] == .null)
            #expect(try await client.report(task, worker: "e", output: "seeded").status == 200)
            #expect(try await reply["choices"]?[0]?["message"]?["content"] == "seeded")
        }
    }
}
