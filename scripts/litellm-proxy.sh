#!/usr/bin/env bash
# Runs the LiteLLM proxy in the foreground, forwarding OpenAI chat completions (plain and streamed)
# to an OpenAI-compatible server, for the benchmark next to d8's front door:
#   scripts/litellm-proxy.sh http://127.0.0.1:9100 4000
#   curl http://127.0.0.1:4000/v1/chat/completions -H 'Authorization: Bearer sk-bench' \
#        -H 'Content-Type: application/json' -d '{"model":"mock","messages":[{"role":"user","content":"hi"}]}'
# Model "mock" (and any other name, through the wildcard entry) goes to <mock_url>/chat/completions
# as an openai/ model with api_key x. No database (no DATABASE_URL: no spend logs, no keys, no UI
# logins), no telemetry, no remote price-map download, logging at ERROR, one uvicorn worker with
# uvloop. The master key is LITELLM_MASTER_KEY (default sk-bench); clients send it as Bearer.
# exec: the process is litellm itself, so a SIGTERM to it stops the proxy.
# Needs .build/venv-litellm (scripts/litellm-venv.sh). Extra arguments go to litellm as they are
# (e.g. --num_workers 2). Ready when GET /health/liveliness answers 200.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 <mock_url> <port> [litellm options]" >&2; exit 2; }
mock_url=${1%/}; port=$2; shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
litellm="$root/.build/venv-litellm/bin/litellm"
[ -x "$litellm" ] || { echo "no LiteLLM at $litellm: run scripts/litellm-venv.sh first" >&2; exit 2; }

folder="$root/.build/litellm-proxy-$port"   # its config; litellm runs there
mkdir -p "$folder"
cat > "$folder/config.yaml" <<YAML
model_list:
  - model_name: mock
    litellm_params: { model: openai/mock, api_base: "$mock_url", api_key: x }
  - model_name: "*"
    litellm_params: { model: "openai/*", api_base: "$mock_url", api_key: x }
litellm_settings:
  telemetry: false
  set_verbose: false
  json_logs: false
  turn_off_message_logging: true
  request_timeout: 600
  num_retries: 0
general_settings:
  master_key: "${LITELLM_MASTER_KEY:-sk-bench}"
  disable_spend_logs: true
  disable_error_logs: true
  background_health_checks: false
  store_model_in_db: false
  health_check_interval: 0
YAML

unset DATABASE_URL
export LITELLM_LOCAL_MODEL_COST_MAP=True   # no download of the price map at start
export LITELLM_TELEMETRY_DISABLED=true
export LITELLM_LOG=ERROR
export DISABLE_ADMIN_UI=True
export NO_DOCS=True NO_REDOC=True
cd "$folder"
exec "$litellm" --config "$folder/config.yaml" --host 127.0.0.1 --port "$port" --num_workers 1 "$@"
