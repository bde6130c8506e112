/*
 * echo.c: the d8 echo plugin, and the template for writing your own.
 *
 * It answers every task with the task's own "data" object, as a JSON string, after an optional
 * delay. It needs no network and no Swift runtime: plain C11 against d8_plugin.h only.
 *
 *   cc -std=c11 -O2 -shared -fPIC -I Sources/D8PluginABI/include -o Plugins/libd8_echo.so Plugins/Echo/echo.c
 *
 * Config (the worker type's settings as one JSON object): {"delay_ms": N} sleeps N ms in each
 * execute, to simulate a slow provider. Every other key is ignored, as the ABI asks.
 *
 * With D8_ECHO_EXECUTION_LOG=FILE in the worker's environment, every successful execute appends
 * "<task_id> <attempt> <lease>" to FILE, so a test can see which lease of which task ran (the
 * chaos run catches a lease run twice, or a run after the attempt that completed).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "d8_plugin.h"

/* One instance per worker type. Read-only after create, so execute is thread-safe. */
typedef struct echo_instance {
    const d8_host *host; /* valid until destroy returns (see d8_plugin.h, MEMORY) */
    long delay_ms;
    int log_fd; /* D8_ECHO_EXECUTION_LOG, opened for appending; -1 when unset */
} echo_instance;

static void echo_log(const d8_host *host, int32_t level, const char *text) {
    /* Read a host field only when the host's struct_size covers it. */
    if (host && D8_STRUCT_HAS(host, d8_host, log) && host->log)
        host->log(host, level, (d8_str){text, strlen(text)});
}

/* Skips one JSON string starting at s[i] == '"'; returns the index after its closing quote. */
static size_t skip_string(const char *s, size_t len, size_t i) {
    for (i++; i < len; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') return i + 1;
    }
    return len;
}

static size_t skip_space(const char *s, size_t len, size_t i) {
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

/* Finds the value of `key` in the top-level object of json (keys nested deeper do not count).
 * Sets *start and *end around the value's text and returns 1, or returns 0 when it is absent. */
static int find_member(d8_str json, const char *key, size_t *start, size_t *end) {
    const char *s = json.ptr;
    size_t len = json.len, klen = strlen(key), i = 0;
    int depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            size_t after = skip_string(s, len, i);
            size_t colon = skip_space(s, len, after);
            int is_key = depth == 1 && colon < len && s[colon] == ':';
            if (is_key && after - i - 2 == klen && memcmp(s + i + 1, key, klen) == 0) {
                size_t v = skip_space(s, len, colon + 1), j = v;
                int d = 0; /* walk to the end of the value: balanced brackets, strings skipped */
                while (j < len) {
                    if (s[j] == '"') { j = skip_string(s, len, j); if (d == 0) break; continue; }
                    if (s[j] == '{' || s[j] == '[') d++;
                    else if (s[j] == '}' || s[j] == ']') { if (d == 0) break; if (--d == 0) { j++; break; } }
                    else if (d == 0 && (s[j] == ',' || s[j] == ' ' || s[j] == '\n' || s[j] == '\r' || s[j] == '\t')) break;
                    j++;
                }
                *start = v;
                *end = j;
                return v < j;
            }
            i = after;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') depth--;
        i++;
    }
    return 0;
}

static void *echo_create(const d8_host *host, d8_str config, char *err, size_t err_cap) {
    size_t start, end;
    long delay = 0;
    if (find_member(config, "delay_ms", &start, &end)) {
        int ok = 1;
        for (size_t i = start; i < end && ok; i++) {
            ok = config.ptr[i] >= '0' && config.ptr[i] <= '9' && delay <= 86400000L; /* no overflow */
            if (ok) delay = delay * 10 + (config.ptr[i] - '0');
        }
        if (!ok || delay > 86400000L) {
            if (err_cap) snprintf(err, err_cap, "echo: delay_ms must be a whole number of ms, at most one day");
            return NULL;
        }
    }
    echo_instance *inst = malloc(sizeof *inst);
    if (!inst) {
        if (err_cap) snprintf(err, err_cap, "echo: out of memory");
        return NULL;
    }
    inst->host = host;
    inst->delay_ms = delay;
    const char *log_path = getenv("D8_ECHO_EXECUTION_LOG");
    inst->log_fd = log_path && *log_path ? open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
    if (log_path && *log_path && inst->log_fd < 0) {
        if (err_cap) snprintf(err, err_cap, "echo: cannot open D8_ECHO_EXECUTION_LOG %s", log_path);
        free(inst);
        return NULL;
    }
    echo_log(host, D8_LOG_DEBUG, "echo: instance created");
    return inst;
}

static int32_t echo_describe(void *instance, d8_emit_fn emit, void *ctx) {
    static const char json[] = "{\"name\":\"echo\",\"version\":\"1.0.0\",\"task_types\":[\"*\"],\"default_model\":\"echo\","
        "\"models\":[{\"id\":\"echo\",\"input_usd_per_mtok\":0,\"output_usd_per_mtok\":0}],\"limits\":{}}";
    (void)instance;
    emit(ctx, (d8_str){json, sizeof json - 1});
    return D8_OK;
}

/* The text of member `key` of the task, unquoted if it is a string; empty when absent. */
static d8_str member_text(d8_str task, const char *key) {
    size_t start, end;
    if (!find_member(task, key, &start, &end)) return (d8_str){task.ptr, 0};
    if (end - start >= 2 && task.ptr[start] == '"') { start++; end--; }
    return (d8_str){task.ptr + start, end - start};
}

/* Appends "<task_id> <attempt> <lease>\n" with one write(): O_APPEND keeps lines whole across
 * the threads and worker processes sharing the file. */
static void log_execution(const echo_instance *inst, d8_str task) {
    if (inst->log_fd < 0) return;
    d8_str id = member_text(task, "task_id"), attempt = member_text(task, "attempt"), lease = member_text(task, "lease");
    char line[512];
    int n = snprintf(line, sizeof line, "%.*s %.*s %.*s\n", (int)id.len, id.ptr, (int)attempt.len, attempt.ptr,
                     (int)lease.len, lease.ptr);
    if (n > 0 && (size_t)n < sizeof line && write(inst->log_fd, line, (size_t)n) < 0) {
        echo_log(inst->host, D8_LOG_ERROR, "echo: cannot write the execution log");
    }
}

/* An evolution task's result must carry a child genome with the parent's keys and kinds: the
 * echo of a crossover is its first parent, of a mutation the genome unchanged. Appends
 * `,"genome":<parent>` and returns the bytes written; nothing for other task types or when
 * the parent is missing. */
static size_t append_child_genome(char *out, d8_str task, d8_str data) {
    d8_str type = member_text(task, "type");
    const char *parent_key = NULL;
    if (type.len == 19 && memcmp(type.ptr, "evolution_crossover", 19) == 0) parent_key = "genome1";
    else if (type.len == 18 && memcmp(type.ptr, "evolution_mutation", 18) == 0) parent_key = "genome";
    size_t start, end;
    if (!parent_key || !find_member(data, parent_key, &start, &end) || data.ptr[start] != '{') return 0;
    size_t n = (size_t)sprintf(out, ",\"genome\":");
    memcpy(out + n, data.ptr + start, end - start);
    return n + (end - start);
}

static int32_t echo_execute(void *instance, d8_str task, d8_emit_fn emit, void *ctx,
                            char *err, size_t err_cap) {
    const echo_instance *inst = instance;
    size_t start, end;
    if (!find_member(task, "data", &start, &end)) {
        if (err_cap) snprintf(err, err_cap, "echo: the task has no \"data\" member");
        return D8_FAIL;
    }
    if (inst->delay_ms > 0) { /* a slow provider; a real plugin blocks only inside host->http */
        struct timespec left = {inst->delay_ms / 1000, (inst->delay_ms % 1000) * 1000000L};
        while (nanosleep(&left, &left) == -1 && errno == EINTR) {}
    }
    /* Worst case every byte becomes \u00XX (6 bytes), plus the genome copied as is, plus the
     * fixed text around it. */
    size_t cap = (end - start) * 7 + 256, n = 0;
    char *out = malloc(cap);
    if (!out) {
        if (err_cap) snprintf(err, err_cap, "echo: out of memory");
        return D8_RETRY;
    }
    n += (size_t)snprintf(out, cap, "{\"success\":true,\"output\":\"");
    for (size_t i = start; i < end; i++) {
        unsigned char c = (unsigned char)task.ptr[i];
        if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
        else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        else out[n++] = (char)c;
    }
    out[n++] = '"';
    n += append_child_genome(out + n, task, (d8_str){task.ptr + start, end - start});
    size_t tokens = task.len / 4; /* a rough stand-in for a tokenizer */
    n += (size_t)snprintf(out + n, cap - n, ",\"model\":\"echo\",\"usage\":{\"input_tokens\":%zu,"
                          "\"output_tokens\":%zu},\"cost_usd\":0}", tokens, tokens);
    log_execution(inst, task);
    emit(ctx, (d8_str){out, n}); /* the host copies it before emit returns */
    free(out);
    return D8_OK;
}

static void echo_destroy(void *instance) {
    echo_instance *inst = instance;
    if (inst->log_fd >= 0) close(inst->log_fd);
    free(inst);
}

static const d8_plugin echo_plugin = {
    sizeof(d8_plugin), D8_PLUGIN_ABI_VERSION, "echo", "1.0.0",
    echo_create, echo_describe, echo_execute, echo_destroy,
    NULL, /* execute_stream: streamed tasks get the output as one delta */
};

/* The one exported symbol: cheap and side-effect free, since `d8 plugins` calls it to list. */
D8_PLUGIN_EXPORT const d8_plugin *d8_plugin_entry(uint32_t host_abi) {
    return host_abi == D8_PLUGIN_ABI_VERSION ? &echo_plugin : NULL;
}
