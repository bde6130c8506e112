import Foundation

/// A plugins folder holding the echo plugin and plugins that misbehave inside `execute`, each
/// serving every task type. What a task does is chosen by its data, so one worker can both
/// misbehave and serve: `{"fault": true}` triggers the fault, anything else is answered.
public struct FaultPlugins {
    public let fixtures: PluginFixtures
    public var directory: String { fixtures.directory.path }
    /// `d8 worker` arguments that load plugins from here (a repeated option: the last wins).
    public var workerArguments: [String] { ["--plugins-dir", directory] }

    public init() throws {
        fixtures = try PluginFixtures()
        try fixtures.buildEcho()
        try fixtures.build("libd8_crash.so", source: Self.plugin("crash", fault: "volatile int *nowhere = NULL; *nowhere = 1; raise(SIGSEGV); return D8_OK;"))
        try fixtures.build("libd8_hang.so", source: Self.plugin("hang", fault: "for (;;) sleep(3600);"))
        try fixtures.build("libd8_garbage.so", source: Self.plugin("garbage", fault: """
            if (contains(task, "\\"silent\\"")) return D8_OK; /* success without a result */
            static const char junk[] = "{\\"success\\": tru";
            emit(ctx, (d8_str){junk, sizeof junk - 1});
            return D8_OK;
            """))
    }

    public func remove() { fixtures.remove() }

    /// A plugin named `name` that runs `fault` (C statements) for a task whose data holds
    /// `"fault":true`, and answers any other task with `{"success":true,"output":"<name>"}`.
    static func plugin(_ name: String, fault: String) -> String {
        """
        #define _DEFAULT_SOURCE
        #include <signal.h>
        #include <string.h>
        #include <unistd.h>
        #include "d8_plugin.h"
        static int instance;
        static int contains(d8_str s, const char *needle) {
            size_t n = strlen(needle);
            for (size_t i = 0; i + n <= s.len; i++) if (memcmp(s.ptr + i, needle, n) == 0) return 1;
            return 0;
        }
        static void *create(const d8_host *host, d8_str config, char *err, size_t cap) {
            (void)host; (void)config; (void)err; (void)cap; return &instance;
        }
        static int32_t describe(void *i, d8_emit_fn emit, void *ctx) {
            static const char json[] = "{\\"name\\":\\"\(name)\\",\\"version\\":\\"0.1.0\\",\\"task_types\\":[\\"*\\"],"
                "\\"models\\":[{\\"id\\":\\"\(name)\\",\\"input_usd_per_mtok\\":0,\\"output_usd_per_mtok\\":0}],\\"limits\\":{}}";
            (void)i; emit(ctx, (d8_str){json, sizeof json - 1}); return D8_OK;
        }
        static int32_t execute(void *i, d8_str task, d8_emit_fn emit, void *ctx, char *err, size_t cap) {
            (void)i; (void)err; (void)cap;
            if (contains(task, "\\"fault\\":true")) { \(fault) }
            static const char ok[] = "{\\"success\\":true,\\"output\\":\\"\(name)\\",\\"model\\":\\"\(name)\\","
                "\\"usage\\":{\\"input_tokens\\":0,\\"output_tokens\\":0},\\"cost_usd\\":0}";
            emit(ctx, (d8_str){ok, sizeof ok - 1});
            return D8_OK;
        }
        static void destroy(void *i) { (void)i; }
        static const d8_plugin table = { sizeof(d8_plugin), D8_PLUGIN_ABI_VERSION, "\(name)", "0.1.0", create, describe, execute, destroy };
        D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) {
            return host_abi == D8_PLUGIN_ABI_VERSION ? &table : NULL;
        }
        """
    }
}
