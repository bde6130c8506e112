// The repository's config.yaml, byte for byte (ConfigTests checks): the default `d8 serve` runs on.
// Edit config.yaml, then paste it here between the delimiters.
extension D8Config {
    /// The text of the default `config.yaml`, for `d8 serve` without --config and for printing a starting point.
    public static let embeddedYAML = #"""
# d8 — the default configuration. It runs as is on one machine: `d8 serve` uses exactly this
# when started without --config, and `d8 check-config FILE` validates a file without starting anything.
#
# Every key is optional; a left-out key takes the default shown next to it.
# Durations take a unit: ms, s, m, h or d (500ms, 30s, 2m, 1h, 7d). Sizes are bytes, or KiB / MiB.
# ${VAR} reads the environment variable VAR and ${VAR:-text} falls back to text; $${ writes a literal ${.
# A value whose variable is unset is left out (with a warning), as if the key were not written.

server:
  host: 127.0.0.1          # address to listen on; the default serves this machine only (loopback)
  port: 7001               # TCP port; 0 picks a free one. Default 7001, as D8 had it
  data_dir: ./d8-data      # the durable task store (SQLite) lives here; default ./d8-data
  max_body: 1MiB           # larger request bodies are refused with 413; default 1MiB (1048576 bytes)
  allow_insecure: false    # true serves a non-loopback host without auth keys; default false
  retention: 7d            # finished tasks are kept this long, then deleted; default 7d
  durability: disk         # disk: a 201 waits for fsync (survives power loss); process: for the OS
                           # (survives a crash of d8, not of the machine; much faster); default disk

# Bearer tokens. Without any, d8 serves loopback only (unless allow_insecure) and says so at start.
# Each is a secret: d8 never logs or echoes it, and error messages name the key only.
auth:
  # worker_token: ${D8_WORKER_TOKEN}   # workers send `Authorization: Bearer <token>`; default none
  # client_keys:                       # clients send `Authorization: Bearer <key>`; default none
  #   - name: discovery                # shown in logs and stats instead of the key; required, unique
  #     key: ${D8_CLIENT_KEY}          # required and unique; an unset variable here is an error
  #     daily_budget_usd: 5            # this client's spending limit per day in USD; default none

queue:
  heartbeat_interval: 30s  # how often workers heartbeat (any request counts too); default 30s
  worker_timeout: 60s      # a worker silent this long is dead and its tasks are requeued; default 60s
  task_timeout: 120s       # a lease expires this long after it was handed out; default 120s
  max_attempts: 3          # attempts before a task is `dead` (at least 1); default 3
  aging: 30s               # a waiting task gains one priority level per this, so none starves; default 30s
  capacity: 65536          # pending tasks per priority per task type (at most 2^31); default 65536
  retry_backoff: 1s        # first retry delay, doubled per attempt with jitter; default 1s
  retry_backoff_max: 60s   # the retry delay never grows beyond this; default 60s
  max_long_poll: 60s       # the longest `wait=` a worker's task poll may hold; default 60s

plugins:
  dir: ./Plugins           # where workers load provider plugins (.so files) from; default ./Plugins

# Kinds of workers, in file order (a task type without a route gets all of them, in this order). For each:
#   plugin: the provider plugin to load (default: the worker type's name)
#   slots:  tasks one worker runs at once (at least 1; default 1)
# Every other key is passed to the plugin as is: api_key, base_url, default_model,
# requests_per_minute (the provider's rate limit), prices...
worker_types:
  groq:
    plugin: groq
    api_key: ${GROQ_API_KEY}
    default_model: llama-3.3-70b-versatile
    slots: 4
    requests_per_minute: 30
  gemini:
    plugin: gemini
    api_key: ${GEMINI_API_KEY}
    default_model: gemini-2.0-flash
  claude:
    plugin: claude
    api_key: ${ANTHROPIC_API_KEY}
    default_model: claude-sonnet-4-5
  deepseek:                               # a local model through Ollama: free, no key needed
    plugin: ollama
    base_url: http://localhost:11434
    default_model: deepseek-coder:6.7b
  echo:                                   # answers with its input: free, for tests and demos
    plugin: echo
    slots: 4

# Kinds of tasks and which worker types may serve them. For each:
#   route:        worker type names (default: every worker type above, in order)
#   strategy:     how to choose among the route's worker types; default cheapest
#                   cheapest: the cheapest eligible worker type with a free slot; a pricier one only
#                             when every cheaper one is busy, or after spill_after
#                   ordered:  the route's order is the preference (spill_after applies too)
#                   fastest:  by measured run time
#   max_cost_usd: a worker type whose cost estimate for a task (its prompt size and max_tokens at the
#                 type's prices) exceeds this is not eligible; a model without a known price never is.
#                 A submit may lower it with its own max_cost_usd. When no worker type is eligible the
#                 submit is refused (422) with the reasons. Default none
#   spill_after:  how long a task waits for a preferred worker type before the next may take it; default 10s
#   max_tokens:   output tokens the cost estimate assumes when a task gives no data.max_tokens; default 1024
#   system:       a system message put before the task's messages
#   prompt:       a template that becomes the user message, {field} filled from the task's data:
#                 "Summarize in {words} words: {text}". With it, a new task type needs no code
#                 (code_generation and the evolution types shape their own prompts).
# The four built-in types exist even when left out here; a new type needs only a name (letters,
# digits, _ and -) and a route. Other keys are kept for the plugins.
task_types:
  agent_action:
    route: [deepseek, gemini, groq, claude]
    strategy: cheapest
    max_cost_usd: 0.02
  code_generation:
    route: [deepseek, claude]
    strategy: ordered
  evolution_crossover:
    route: [deepseek, gemini]
  evolution_mutation:
    route: [deepseek, gemini]
  echo:
    route: [echo]

# Daily spending limits in USD. A leased task reserves its estimate and its result settles the
# real cost, so tasks running together cannot pass a limit. When a budget is spent, tasks go to
# zero-cost worker types of their route (local models); otherwise they wait as `held`, with the
# reason in their status, until the budget allows (the next day, or a settled cost). Per client
# limits are auth.client_keys[].daily_budget_usd. Default: no limits.
# budgets:
#   daily_usd: 10            # all clients and worker types together
#   worker_types:            # per worker type
#     claude: 2
#   utc_offset: "+00:00"     # where the day starts; default midnight UTC

"""#
}
