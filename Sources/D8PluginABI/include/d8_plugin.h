/*
 * d8_plugin.h: the d8 provider plugin ABI. The only header a plugin author needs.
 *
 * A plugin is a shared library that exports one C function, d8_plugin_entry, which returns a
 * const static table of function pointers (d8_plugin). The worker process loads it, creates
 * an instance per worker type from the config, and calls `execute` for each leased task. The
 * plugin reaches its provider only through the host's HTTP transport (d8_host.http): plugins
 * own no threads and no sockets, so connection reuse, TLS, proxies and timeouts live in one
 * place. Everything that crosses the boundary is plain C, so a plugin may be written in C,
 * Swift (@_cdecl), Rust or anything else that can export a C symbol.
 *
 * MEMORY: nobody frees the other side's memory.
 *  - d8_str and every pointer inside a struct passed to a function or a callback are borrowed
 *    for the duration of that call only. Copy what you want to keep.
 *  - Strings are {ptr, len} byte views (UTF-8 for text and JSON), not necessarily NUL-terminated.
 *  - Error buffers (err, err_cap) belong to the caller. The callee writes a NUL-terminated
 *    message, truncated to fit err_cap bytes (nothing when err_cap is 0).
 *  - Results travel through emit callbacks: the callee emits a view of its own memory and the
 *    caller copies it before the callback returns. No allocator is shared across the boundary.
 *  - The d8_host given to create() stays valid until destroy() returns, so an instance may
 *    keep the pointer. The d8_plugin table and its name/version strings are static.
 *
 * VERSIONING (the CLAP / Envoy rule):
 *  - D8_PLUGIN_ABI_VERSION is a major version: it changes only for a break. The host calls
 *    d8_plugin_entry(D8_PLUGIN_ABI_VERSION); the plugin returns its table for that ABI, or
 *    NULL if it cannot serve it.
 *  - Every struct starts with struct_size (and abi_version where present). Fields are only ever
 *    appended, never removed, reordered or retyped. The reader of a struct uses a field only
 *    when struct_size covers it: D8_STRUCT_HAS(p, type, field). The host refuses a plugin
 *    whose abi_version differs from its own or whose struct_size < D8_PLUGIN_MIN_SIZE.
 *
 * LOADING: the host dlopen()s with RTLD_NOW | RTLD_LOCAL (missing symbols fail at load, not
 * mid-task; plugins do not see each other's symbols), dlsym()s D8_PLUGIN_ENTRY_SYMBOL, checks
 * version and size before any other call, refuses a mismatch with a message naming the file,
 * and never dlclose()s a plugin while an instance of it exists. d8_plugin_entry must be cheap
 * and side-effect free: `d8 plugins` calls it just to list names and versions.
 *
 * THREADING: each function pointer is marked [thread-safe] (may be called concurrently from
 * any thread) or [not thread-safe] (no other call on the same instance runs meanwhile, and
 * the host never runs two create/destroy calls of one plugin at once).
 *
 * EXAMPLE: a complete plugin, built with `cc -shared -fPIC -o libd8_echo.so echo.c`
 *
 *   #include <stdio.h>
 *   #include "d8_plugin.h"
 *
 *   static int echo_instance;   // stateless: any non-NULL pointer is a valid instance
 *
 *   static void *echo_create(const d8_host *host, d8_str config, char *err, size_t cap) {
 *       (void)host; (void)config; (void)err; (void)cap;
 *       return &echo_instance;
 *   }
 *   static int32_t echo_describe(void *inst, d8_emit_fn emit, void *ctx) {
 *       static const char json[] = "{\"name\":\"echo\",\"version\":\"1.0.0\","
 *           "\"task_types\":[\"agent_action\"],\"models\":[{\"id\":\"echo\","
 *           "\"input_usd_per_mtok\":0,\"output_usd_per_mtok\":0}],\"limits\":{}}";
 *       (void)inst;
 *       emit(ctx, (d8_str){json, sizeof json - 1});
 *       return D8_OK;
 *   }
 *   static int32_t echo_execute(void *inst, d8_str task, d8_emit_fn emit, void *ctx,
 *                               char *err, size_t cap) {
 *       char out[160];
 *       int n = snprintf(out, sizeof out, "{\"success\":true,\"output\":\"%zu bytes\","
 *           "\"model\":\"echo\",\"usage\":{\"input_tokens\":0,\"output_tokens\":0},"
 *           "\"cost_usd\":0}", task.len);
 *       (void)inst;
 *       if (n < 0 || (size_t)n >= sizeof out) {
 *           snprintf(err, cap, "echo: result does not fit");
 *           return D8_FAIL;
 *       }
 *       emit(ctx, (d8_str){out, (size_t)n});
 *       return D8_OK;
 *   }
 *   static void echo_destroy(void *inst) { (void)inst; }
 *
 *   static const d8_plugin echo_plugin = {
 *       sizeof(d8_plugin), D8_PLUGIN_ABI_VERSION, "echo", "1.0.0",
 *       echo_create, echo_describe, echo_execute, echo_destroy,
 *       NULL, // execute_stream: none; streamed tasks get the output as one delta
 *   };
 *
 *   D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) {
 *       return host_abi == D8_PLUGIN_ABI_VERSION ? &echo_plugin : NULL;
 *   }
 */
#ifndef D8_PLUGIN_H
#define D8_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define D8_PLUGIN_ABI_VERSION 1u
#define D8_PLUGIN_ENTRY_SYMBOL "d8_plugin_entry"

#if defined(_WIN32)
#define D8_PLUGIN_EXPORT __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define D8_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define D8_PLUGIN_EXPORT
#endif

/* End offset of a field, and whether a struct (as its writer was compiled) contains it. */
#define D8_STRUCT_END(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
#define D8_STRUCT_HAS(ptr, type, field) ((size_t)(ptr)->struct_size >= D8_STRUCT_END(type, field))

/* A borrowed byte view: valid only during the call that receives it; not
 * necessarily NUL-terminated (never read ptr[len]). */
typedef struct d8_str {
    const char *ptr; /* may be NULL when len == 0 */
    size_t len;
} d8_str;

/* Results of fallible calls. Always passed and returned as int32_t, never as the enum type,
 * so the ABI does not depend on the compiler's choice of enum width. */
typedef enum d8_status {
    D8_OK = 0,    /* done */
    D8_RETRY = 1, /* transient: timeout, 429, 5xx, network. The task goes back to the queue
                     with backoff; the plugin may report a retry-after (see execute). */
    D8_FAIL = 2   /* permanent: bad request, auth, content refused. The task fails at once
                     with the plugin's message, which keeps the provider's own error text. */
} d8_status;

/* Log levels, passed as int32_t. */
typedef enum d8_log_level {
    D8_LOG_TRACE = 0,
    D8_LOG_DEBUG = 1,
    D8_LOG_INFO = 2,
    D8_LOG_WARNING = 3,
    D8_LOG_ERROR = 4
} d8_log_level;

/* Callback through which a callee hands back one JSON object (a view of its own memory). */
typedef void (*d8_emit_fn)(void *ctx, d8_str json);

/* ---- HTTP through the host ------------------------------------------------------------- */

typedef struct d8_header {
    d8_str name; /* compare case-insensitively */
    d8_str value;
} d8_header;

/* Filled by the plugin (struct_size = sizeof(d8_http_request)). Headers carry API keys, so
 * the host never logs them. */
typedef struct d8_http_request {
    uint32_t struct_size;
    uint32_t timeout_ms;      /* whole exchange; 0 = host default, bounded by the task timeout */
    d8_str method;            /* "GET", "POST", ... */
    d8_str url;               /* absolute http:// or https:// URL */
    const d8_header *headers; /* header_count entries; NULL when 0 */
    size_t header_count;
    d8_str body;              /* empty for none */
} d8_http_request;

/* Filled by the host; every pointer in it is valid only during the on_response callback. */
typedef struct d8_http_response {
    uint32_t struct_size;
    int32_t status;           /* HTTP status, or 0: no HTTP answer (see error) */
    const d8_header *headers; /* in the order received, repeats kept */
    size_t header_count;
    d8_str body;              /* decoded (no transfer or content encoding left) */
    d8_str error;             /* status == 0: what failed, e.g. "connection refused",
                                 "timed out after 30000 ms"; empty otherwise */
} d8_http_response;

typedef void (*d8_http_response_fn)(void *ctx, const d8_http_response *resp);

/* One piece of a stream (a decoded body chunk, or a delta): a view valid during the call.
 * Return D8_OK to go on; anything else asks the caller to stop the stream. */
typedef int32_t (*d8_chunk_fn)(void *ctx, d8_str bytes);

/* ---- The host, as seen by a plugin ----------------------------------------------------- */

typedef struct d8_host d8_host;

struct d8_host {
    uint32_t struct_size;
    uint32_t abi_version; /* D8_PLUGIN_ABI_VERSION of the host */
    void *host_data;      /* opaque to the plugin; for the host's own callbacks */

    /* [thread-safe] Log a message (UTF-8) under the worker's logger, tagged with the worker
     * type. Never pass secrets. */
    void (*log)(const d8_host *host, int32_t level, d8_str message);

    /* [thread-safe] Perform one HTTP exchange, blocking the calling thread.
     *  - D8_OK: an HTTP answer arrived, whatever its status (4xx and 5xx included: the plugin
     *    decides what they mean); on_response was called once.
     *  - D8_RETRY: transport failure (DNS, connect, TLS, timeout); on_response was called once
     *    with status 0 and `error` set, and err holds the same text.
     *  - D8_FAIL: the request was refused before sending (bad URL or method, struct_size too
     *    small); on_response was not called; err says why.
     * on_response always runs on the calling thread before http returns. */
    int32_t (*http)(const d8_host *host, const d8_http_request *req,
                    d8_http_response_fn on_response, void *ctx, char *err, size_t err_cap);

    /* ---- Appended in d8 0.3 (check D8_STRUCT_HAS(host, d8_host, http_stream)) ---- */

    /* [thread-safe] Like http, but the body is handed over as it arrives: on_head runs once
     * when the status and headers are in (body empty; or status 0 and `error` when no answer
     * came), then on_chunk runs for each decoded piece of the body, in order, on the calling
     * thread. An on_chunk that returns anything but D8_OK ends the exchange at once.
     *  - D8_OK: the whole body arrived.
     *  - D8_RETRY: no answer, or the connection failed or timed out mid-body; err says which
     *    and how many body bytes had arrived.
     *  - D8_FAIL: refused before sending (as http), or stopped by on_chunk ("stopped").
     * The host may decode gzip and chunked transfer before on_chunk: chunks never split a
     * byte of content, but may split a line or an event anywhere. */
    int32_t (*http_stream)(const d8_host *host, const d8_http_request *req,
                           d8_http_response_fn on_head, d8_chunk_fn on_chunk, void *ctx,
                           char *err, size_t err_cap);
};

/* ---- The plugin table ------------------------------------------------------------------ */

typedef struct d8_plugin {
    uint32_t struct_size; /* sizeof(d8_plugin) as the plugin was compiled */
    uint32_t abi_version; /* D8_PLUGIN_ABI_VERSION the plugin was compiled against */
    const char *name;     /* NUL-terminated, static: "echo", "groq"; matches `plugin:` in the config */
    const char *version;  /* NUL-terminated, static: semantic version, "1.2.0" */

    /* [not thread-safe] Create one instance for one worker type. config_json is that worker
     * type's settings from the config as one JSON object, secrets already resolved:
     *   {"api_key":"...","base_url":"...","default_model":"...","slots":4,
     *    "requests_per_minute":30,"prices":{"<model>":{"input_usd_per_mtok":0.59,
     *    "output_usd_per_mtok":0.79}}, ...}  (unknown keys: ignore)
     * Returns the instance, or NULL with the reason in err ("GROQ: api_key is missing").
     * Must not perform network I/O: it runs while the worker starts.
     * "d8_purpose":"describe" in config_json means the instance will only be described, never
     * executed (`d8 plugins` lists models and prices that way): skip the checks of secrets. */
    void *(*create)(const d8_host *host, d8_str config_json, char *err, size_t err_cap);

    /* [thread-safe] Emit, once, one JSON object describing the instance:
     *   {"name":"groq","version":"1.2.0",
     *    "task_types":["agent_action","code_generation", ...],
     *    "models":[{"id":"llama-3.3-70b-versatile","input_usd_per_mtok":0.59,
     *               "output_usd_per_mtok":0.79}, ...],
     *    "default_model":"llama-3.3-70b-versatile",
     *    "limits":{"requests_per_minute":30,"max_concurrency":4,"context_tokens":131072}}
     * Prices are USD per million tokens after config overrides; an unknown price is null
     * (never 0: unknown is not free), a local model's is 0. Returns D8_OK, or D8_FAIL
     * without emitting. */
    int32_t (*describe)(void *instance, d8_emit_fn emit, void *ctx);

    /* [thread-safe] Run one task. The worker calls it concurrently from up to `slots` threads
     * on one instance. The plugin blocks only inside host->http and never sleeps to retry:
     * it returns D8_RETRY and the orchestrator does the backoff.
     * task_json is the task as the orchestrator leased it (unknown keys: ignore):
     *   {"task_id":"...","type":"agent_action","priority":5,"attempt":1,
     *    "data":{"messages":[{"role":"user","content":"..."}],"model":"...","temperature":0.7,
     *            "max_tokens":1024, ...}, ...}
     * Built-in types' data: agent_action {messages, model, temperature}; code_generation
     * {prompt, language}; evolution_crossover {genome1, genome2}; evolution_mutation
     * {genome, mutation_rate}.
     * D8_OK: emit_result called exactly once with
     *   {"success":true,"output":"<LLM text>","model":"<model actually used>",
     *    "usage":{"input_tokens":N,"output_tokens":N},"cost_usd":0.00042}
     *   plus "genome":{...} for evolution tasks (same keys and value types as the parent).
     *   Optional in the result: "finish_reason" ("stop", "length", "tool_calls",
     *   "content_filter"), "tool_calls" (OpenAI's shape: [{"id","type":"function",
     *   "function":{"name","arguments"}}]), and in usage "cached_input_tokens" (priced at the
     *   cached rate, included in input_tokens) and "reasoning_tokens" (included in
     *   output_tokens).
     * The "chat" task type (also "chat:<route>", the OpenAI front door's tasks): data is an
     * OpenAI chat completion request: messages (system, user, assistant with tool_calls, tool;
     * content a string or text parts), model, temperature, top_p, max_tokens, stop (a list),
     * seed, response_format {"type":"json_object"}, tools, tool_choice. A plugin that cannot
     * honour a field fails the task (D8_FAIL) naming it; it never drops one silently.
     * D8_RETRY / D8_FAIL: err holds the reason with the provider's own message
     *   ("groq: HTTP 429: Rate limit reached ..."); the plugin may also emit, once,
     *   {"retry_after_s":N,"http_status":429}. */
    int32_t (*execute)(void *instance, d8_str task_json, d8_emit_fn emit_result, void *ctx,
                       char *err, size_t err_cap);

    /* [not thread-safe] Free the instance. Called once, after every execute has returned. */
    void (*destroy)(void *instance);

    /* ---- Appended in d8 0.3 (the host checks D8_STRUCT_HAS(plugin, d8_plugin, execute_stream);
     *      a plugin without it serves streamed tasks through execute, as one delta) ---- */

    /* [thread-safe] Run one task whose answer is wanted as it is written (the task object has
     * "stream":true). As execute, and also: emit_delta is called with one JSON object per
     * piece of the answer, in OpenAI's chat.completion.chunk delta shape, as soon as the
     * provider sends it:
     *   {"content":"Hel"}
     *   {"tool_calls":[{"index":0,"id":"call_1","type":"function",
     *                   "function":{"name":"get_weather","arguments":""}}]}
     *   {"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}
     * When emit_delta returns anything but D8_OK the task was cancelled (the client went
     * away): stop reading, return D8_FAIL, and still emit the result with the usage and
     * cost spent so far ("success":false), so that spending is counted.
     * The final result is the same object execute emits, text in "output" complete. */
    int32_t (*execute_stream)(void *instance, d8_str task_json, d8_emit_fn emit_result,
                              d8_chunk_fn emit_delta, void *ctx, char *err, size_t err_cap);

    /* New fields go here, and only here. */
} d8_plugin;

/* The smallest table an ABI-1 host accepts. Swift does not import function-like macros:
 * there, use MemoryLayout<d8_plugin>.offset(of: \.destroy)! + MemoryLayout<UnsafeRawPointer>.size. */
#define D8_PLUGIN_MIN_SIZE D8_STRUCT_END(d8_plugin, destroy)

/* The one exported function, resolved by name (D8_PLUGIN_ENTRY_SYMBOL). */
typedef const d8_plugin *(*d8_plugin_entry_fn)(uint32_t host_abi);

#ifndef D8_PLUGIN_NO_ENTRY_DECLARATION /* define it when the entry has another prototype */
D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi);
#endif

#ifdef __cplusplus
}
#endif

#endif /* D8_PLUGIN_H */
