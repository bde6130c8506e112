import D8Core
import D8Harness
import D8Worker
import Testing

/// A plugin built against the ABI before execute_stream was appended: its table ends at
/// destroy. The host must read nothing past its struct_size and serve streamed tasks through
/// execute, as one delta.
@Suite struct OldTableTests {
    /// The ABI-1 table as it was: eight fields, no execute_stream after them.
    static let source = """
        #include <stdio.h>
        #include "d8_plugin.h"
        typedef struct old_plugin {
            uint32_t struct_size, abi_version;
            const char *name, *version;
            void *(*create)(const d8_host *, d8_str, char *, size_t);
            int32_t (*describe)(void *, d8_emit_fn, void *);
            int32_t (*execute)(void *, d8_str, d8_emit_fn, void *, char *, size_t);
            void (*destroy)(void *);
        } old_plugin;
        static int instance;
        static void *create(const d8_host *host, d8_str config, char *err, size_t cap) {
            (void)host; (void)config; (void)err; (void)cap; return &instance;
        }
        static int32_t describe(void *i, d8_emit_fn emit, void *ctx) { (void)i; (void)emit; (void)ctx; return D8_FAIL; }
        static int32_t execute(void *i, d8_str task, d8_emit_fn emit, void *ctx, char *err, size_t cap) {
            char out[200];
            int n = snprintf(out, sizeof out, "{\\"success\\":true,\\"output\\":\\"%zu bytes\\",\\"model\\":\\"old\\","
                "\\"usage\\":{\\"input_tokens\\":1,\\"output_tokens\\":2},\\"cost_usd\\":0,"
                "\\"tool_calls\\":[{\\"id\\":\\"c\\",\\"type\\":\\"function\\",\\"function\\":{\\"name\\":\\"f\\",\\"arguments\\":\\"{}\\"}}]}", task.len);
            (void)i; (void)err; (void)cap;
            emit(ctx, (d8_str){out, (size_t)n});
            return D8_OK;
        }
        static void destroy(void *i) { (void)i; }
        /* Followed in memory by a poison word where execute_stream would be: never to be read. */
        static const struct { old_plugin table; void *poison; } image = {
            { sizeof(old_plugin), D8_PLUGIN_ABI_VERSION, "old", "0.1.0", create, describe, execute, destroy }, (void *)1 };
        D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) {
            (void)host_abi; return (const d8_plugin *)&image.table;
        }
        """

    @Test func anOldPluginServesAStreamedTaskAsOneDelta() throws {
        let fixtures = try PluginFixtures()
        defer { fixtures.remove() }
        let plugin = try PluginLoader.load(path: try fixtures.build("libd8_old.so", source: Self.source))
        let instance = try plugin.makeInstance(config: [:], logger: .init(label: "old-table"))
        var deltas: [JSONValue] = []
        let outcome = instance.executeStream(task: Tasks.agentAction) { deltas.append($0); return true }
        guard case let .ok(result) = outcome else {
            Issue.record("expected ok, got \(outcome)")
            return
        }
        #expect(deltas == [["content": result["output"] ?? nil, "tool_calls": [["index": 0, "id": "c", "type": "function", "function": ["name": "f", "arguments": "{}"]]]]])
        #expect(instance.execute(task: Tasks.agentAction) == outcome)
        // A client gone by the time the one delta comes still has the spend counted.
        guard case let .fail(message, details) = instance.executeStream(task: Tasks.agentAction, onDelta: { _ in false }) else {
            Issue.record("expected a failure")
            return
        }
        #expect(message == "cancelled by the client")
        #expect(details?["usage"] == ["input_tokens": 1, "output_tokens": 2])
    }
}
