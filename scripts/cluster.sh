#!/usr/bin/env bash
# scripts/cluster.sh [--no-build]: a local d8 cluster to try scale-out (`make cluster`).
#
# Builds d8 and the plugins (`make build`; --no-build skips it), starts a throwaway PostgreSQL
# (scripts/postgres.sh), writes a config (the repository's config.yaml with server.store:
# postgres and server.postgres.url) into a temporary folder, and starts there
#   three orchestrators  d8 serve on http://127.0.0.1:7101, :7102 and :7103, one database,
#   three Echo workers   d8 worker --type echo, each given all three URLs.
# It prints what runs where and commands to try, reports a process that exits, and on Ctrl-C
# (or SIGTERM) stops everything and removes the folder. Each process logs to a file there.
#
# Environment: D8_BINARY (the d8 to run; default: the debug build), D8_PLUGINS_DIR (default
# Plugins/ of the repository), D8_CLUSTER_PORTS (default
# "7101 7102 7103"), D8_CLUSTER_WORKERS (default 3), D8_CLUSTER_KEEP=1 (keep the folder and its
# logs at the end; the database is removed regardless).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pg="$repo/scripts/postgres.sh"
build=1
case "${1:-}" in
    --no-build) build=0 ;;
    "") ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/cluster.sh [--no-build]" >&2; exit 2 ;;
esac
read -r -a ports <<<"${D8_CLUSTER_PORTS:-7101 7102 7103}"
workers=${D8_CLUSTER_WORKERS:-3}

say() { echo "cluster.sh: $*" >&2; }
die() { say "$*"; exit 1; }

port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

healthy() {
    if command -v curl >/dev/null 2>&1; then
        curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$1/health" 2>/dev/null
    else
        port_in_use "$1"
    fi
}

cd "$repo"
for port in "${ports[@]}"; do
    port_in_use "$port" && die "port $port is in use (another cluster or d8 serve?); stop it or set D8_CLUSTER_PORTS"
done

if [ "$build" -eq 1 ]; then
    make build >&2
fi
bin=${D8_BINARY:-$(swift build --show-bin-path)/d8}
[ -x "$bin" ] || die "no d8 binary at $bin (run 'make build', or set D8_BINARY)"
plugins=$(cd "${D8_PLUGINS_DIR:-$repo/Plugins}" && pwd)
"$pg" ensure || die "PostgreSQL is needed for the cluster and is not available (see above)"

tmp=$(mktemp -d -t d8-cluster.XXXXXX)
chmod 0711 "$tmp"                                   # the postgres user must reach $tmp/pg
pids=()
names=()
logs=()
cleaned=0
cleanup() {
    [ "$cleaned" -eq 0 ] || return 0
    cleaned=1
    trap - INT TERM HUP
    echo >&2
    say "stopping"
    local i kind wait_for
    for kind in worker node; do                     # workers first: they drain into live nodes
        for i in "${!pids[@]}"; do
            [[ ${names[$i]} == "$kind"* ]] && kill -TERM "${pids[$i]}" 2>/dev/null || true
        done
        for wait_for in $(seq 1 100); do
            local alive=0
            for i in "${!pids[@]}"; do
                [[ ${names[$i]} == "$kind"* ]] && kill -0 "${pids[$i]}" 2>/dev/null && alive=1
            done
            [ "$alive" -eq 1 ] || break
            sleep 0.1
        done
        for i in "${!pids[@]}"; do
            if [[ ${names[$i]} == "$kind"* ]] && kill -0 "${pids[$i]}" 2>/dev/null; then
                say "${names[$i]} (pid ${pids[$i]}) did not stop in 10 s: SIGKILL"
                kill -KILL "${pids[$i]}" 2>/dev/null || true
            fi
        done
    done
    wait 2>/dev/null || true
    [ -d "$tmp/pg" ] && { "$pg" stop "$tmp/pg" || say "could not stop PostgreSQL in $tmp/pg"; }
    if [ "${D8_CLUSTER_KEEP:-0}" = 1 ]; then
        say "kept $tmp (logs)"
    else
        rm -rf -- "$tmp"
        say "removed $tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

url=$("$pg" start "$tmp/pg") || die "PostgreSQL did not start"

# The repository's config with the store in PostgreSQL and the plugins folder as an absolute path.
config="$tmp/config.yaml"
awk -v url="$url" '
    /^  store:/ { next }    # the one below replaces the default (sqlite)
    { print }
    /^server:[[:space:]]*$/ && !done {
        print "  store: postgres          # set by scripts/cluster.sh: the nodes share one PostgreSQL"
        print "  postgres:"
        print "    url: " url
        print "    pool: 16"
        done = 1
    }' config.yaml >"$config"
grep -q '^  store: postgres' "$config" || die "config.yaml has no 'server:' section to add the store to"
sed -i "s#^  dir: ./Plugins\b#  dir: $plugins#" "$config"

orchestrators=$(printf 'http://127.0.0.1:%s,' "${ports[@]}")
orchestrators=${orchestrators%,}

launch() {
    local name=$1
    shift
    "$@" >"$tmp/$name.log" 2>&1 &
    pids+=($!)
    names+=("$name")
    logs+=("$tmp/$name.log")
}

for i in "${!ports[@]}"; do
    n=$((i + 1))
    mkdir -p "$tmp/node$n"
    launch "node$n" "$bin" serve --config "$config" --port "${ports[$i]}" --data-dir "$tmp/node$n"
done
for i in "${!ports[@]}"; do
    for t in $(seq 1 300); do
        healthy "${ports[$i]}" && break
        kill -0 "${pids[$i]}" 2>/dev/null || { tail -n 20 "${logs[$i]}" >&2; die "${names[$i]} exited at start (log above: ${logs[$i]})"; }
        sleep 0.1
    done
    healthy "${ports[$i]}" || { tail -n 20 "${logs[$i]}" >&2; die "${names[$i]} did not answer /health on port ${ports[$i]} in 30 s"; }
done
for n in $(seq 1 "$workers"); do
    launch "worker$n" "$bin" worker --type echo --config "$config" --orchestrator "$orchestrators" \
        --plugins-dir "$plugins" --id "echo-$n"
done
sleep 1
for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[$i]}" 2>/dev/null; then
        tail -n 10 "${logs[$i]}" >&2
        say "warning: ${names[$i]} exited at start (log above: ${logs[$i]})"
    fi
done

d8=$bin
case "$d8" in "$repo"/*) d8=${d8#"$repo"/} ;; esac
{
    echo
    echo "d8 cluster — folder $tmp"
    printf '  %-10s %-40s %s\n' "PostgreSQL" "$url" "log $tmp/pg/log/postgresql.log"
    for i in "${!pids[@]}"; do
        what=$([[ ${names[$i]} == node* ]] && echo "http://127.0.0.1:${ports[$i]}" || echo "echo worker, all nodes")
        printf '  %-10s %-40s pid %-7s log %s\n' "${names[$i]}" "$what" "${pids[$i]}" "${logs[$i]}"
    done
    echo "  config     $config"
    echo
    echo "Try (from $repo):"
    echo "  $d8 submit echo --prompt hello --wait --orchestrator http://127.0.0.1:${ports[1]:-${ports[0]}}"
    echo "  $d8 submit echo --prompt hi --orchestrator http://127.0.0.1:${ports[0]}        # prints a task id"
    echo "  $d8 status <task id> --orchestrator http://127.0.0.1:${ports[2]:-${ports[0]}}     # any node knows every task"
    echo "  kill ${pids[0]}                      # stop node1: its workers move to the other URLs"
    echo "  curl -s http://127.0.0.1:${ports[1]:-${ports[0]}}/api/workers; open http://127.0.0.1:${ports[0]}/ui"
    echo "  psql $url"
    echo "  tail -f $tmp/*.log"
    echo
    echo "Ctrl-C stops everything and removes $tmp."
}

# Reports each process that exits (once); runs until Ctrl-C.
reported=()
while :; do
    for i in "${!pids[@]}"; do
        [ -z "${reported[$i]:-}" ] || continue
        if ! kill -0 "${pids[$i]}" 2>/dev/null; then
            status=0
            wait "${pids[$i]}" 2>/dev/null || status=$?
            reported[$i]=1
            say "${names[$i]} (pid ${pids[$i]}) exited with status $status; log ${logs[$i]}"
        fi
    done
    sleep 1
done
