#!/usr/bin/env bash
# Creates .build/venv-litellm with LiteLLM's proxy (litellm[proxy], from PyPI), for the benchmark
# that puts d8's OpenAI front door next to the LiteLLM proxy. Idempotent: an existing, working
# venv is left as it is. Prints the time the install took and the venv's size.
#   LITELLM_VERSION=1.2.3 scripts/litellm-venv.sh   pins a version (default: the newest)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.build/venv-litellm
if [ -x "$VENV/bin/litellm" ] && "$VENV/bin/python" -c "import litellm.proxy.proxy_server" 2>/dev/null; then
    echo "$VENV: litellm $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))') already installed"
    exit 0
fi
start=$(date +%s.%N)
python3 -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q "litellm[proxy]${LITELLM_VERSION:+==$LITELLM_VERSION}"
end=$(date +%s.%N)
version=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("litellm"))')
printf '%s: litellm[proxy] %s installed in %.0f s, %s on disk\n' "$VENV" "$version" \
    "$(echo "$end - $start" | bc)" "$(du -sh "$VENV" | cut -f1)"
