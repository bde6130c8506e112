import D8Harness
import D8Core
import D8Worker
import Logging
import Testing

/// host->http end to end: a C plugin calls it during execute and reports what it got.
@Suite struct HTTPTransportPluginTests {
    @Test func pluginPostsThroughTheHostAndGetsTheAnswer() throws {
        let server = try FakeHTTPServer(replies: [.respond(status: 200, headers: [("retry-after", "3")], body: "pong")])
        defer { server.stop() }
        let result = try runPlugin(port: server.port)
        #expect(result == ["success": true, "rc": 0, "calls": 1, "status": 200, "body": "pong", "retry_after": "3", "error": "", "err": ""])
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.path == "/v1/chat")
        #expect(request.header("authorization") == "Bearer k")
        #expect(request.body == Array(#"{"q":1}"#.utf8))
    }

    @Test func transportFailureIsARetryWithTheSameTextInBoth() throws {
        let result = try runPlugin(port: FakeHTTPServer.closedPort())
        #expect(result["rc"] == 1) // D8_RETRY
        #expect(result["calls"] == 1)
        #expect(result["status"] == 0)
        let error = try #require(result["error"]?.stringValue)
        #expect(error.hasPrefix("connection refused"))
        #expect(result["err"] == result["error"])
    }

    private func runPlugin(port: UInt16) throws -> JSONValue {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let path = try fixtures.build("http.so", source: Self.source(port: port))
        let instance = try PluginLoader.load(path: path).makeInstance(config: [:], logger: Logger(label: "test"))
        guard case let .ok(result) = instance.execute(task: ["task_id": "t1"]) else {
            throw FixtureError(message: "execute did not succeed")
        }
        return result
    }

    /// Copies what on_response saw (the views die with the callback) and emits it as JSON; the
    /// fake server's texts need no escaping.
    private static func source(port: UInt16) -> String {
        #"""
        #include <stdio.h>
        #include <string.h>
        #include <strings.h>
        #include "d8_plugin.h"
        static const d8_host *g_host;
        typedef struct { int calls; int32_t status; char body[256]; char retry_after[32]; char error[512]; } answer;
        static void copy(char *to, size_t cap, d8_str s) {
            size_t n = s.len < cap - 1 ? s.len : cap - 1;
            if (n) memcpy(to, s.ptr, n);
            to[n] = 0;
        }
        static void on_response(void *ctx, const d8_http_response *r) {
            answer *a = ctx;
            a->calls++;
            a->status = r->status;
            copy(a->body, sizeof a->body, r->body);
            copy(a->error, sizeof a->error, r->error);
            for (size_t i = 0; i < r->header_count; i++)
                if (r->headers[i].name.len == 11 && strncasecmp(r->headers[i].name.ptr, "retry-after", 11) == 0)
                    copy(a->retry_after, sizeof a->retry_after, r->headers[i].value);
        }
        static void *create(const d8_host *host, d8_str config, char *err, size_t cap) {
            (void)config; (void)err; (void)cap;
            g_host = host;
            return (void *)1;
        }
        static int32_t describe(void *i, d8_emit_fn emit, void *ctx) { (void)i; (void)emit; (void)ctx; return D8_FAIL; }
        static int32_t execute(void *i, d8_str t, d8_emit_fn emit, void *ctx, char *err, size_t cap) {
            (void)i; (void)t; (void)err; (void)cap;
            static const char url[] = "http://127.0.0.1:\#(port)/v1/chat";
            static const char body[] = "{\"q\":1}";
            const d8_header headers[] = {
                {{"Content-Type", 12}, {"application/json", 16}},
                {{"Authorization", 13}, {"Bearer k", 8}},
            };
            d8_http_request req = {sizeof req, 5000, {"POST", 4}, {url, sizeof url - 1}, headers, 2, {body, sizeof body - 1}};
            answer a = {0};
            char herr[512] = "";
            int32_t rc = g_host->http(g_host, &req, on_response, &a, herr, sizeof herr);
            char out[2048];
            int n = snprintf(out, sizeof out,
                "{\"success\":true,\"rc\":%d,\"calls\":%d,\"status\":%d,\"body\":\"%s\",\"retry_after\":\"%s\",\"error\":\"%s\",\"err\":\"%s\"}",
                (int)rc, a.calls, (int)a.status, a.body, a.retry_after, a.error, herr);
            emit(ctx, (d8_str){out, (size_t)n});
            return D8_OK;
        }
        static void destroy(void *i) { (void)i; }
        static const d8_plugin table = { sizeof(d8_plugin), D8_PLUGIN_ABI_VERSION, "http", "0.1.0", create, describe, execute, destroy };
        D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) { (void)host_abi; return &table; }
        """#
    }
}
