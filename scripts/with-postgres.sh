#!/usr/bin/env bash
# scripts/with-postgres.sh CMD [ARG...]: runs CMD with a throwaway PostgreSQL cluster and
# returns CMD's exit status.
#
# The cluster (scripts/postgres.sh) lives in a `mktemp -d` folder; CMD gets
#   D8_TEST_POSTGRES_URL  postgres://d8@127.0.0.1:PORT/d8
#   D8_TEST_POSTGRES_DIR  the folder, for `scripts/postgres.sh restart-immediate "$D8_TEST_POSTGRES_DIR"`
# and the cluster is stopped and its folder removed afterwards, whatever CMD's outcome.
# PostgreSQL is installed first when missing and possible (scripts/postgres.sh ensure); when it
# cannot be had, CMD runs without the variables and the PostgreSQL tests are skipped (said on
# stderr). With D8_TEST_POSTGRES_URL already set, CMD runs against that database as is;
# D8_TEST_POSTGRES=skip runs CMD without PostgreSQL, and D8_TEST_POSTGRES=require makes a missing
# PostgreSQL an error (exit 3) instead of a skip.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: scripts/with-postgres.sh CMD [ARG...]" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pg="$here/postgres.sh"

# Runs CMD without PostgreSQL, saying why; with D8_TEST_POSTGRES=require that is an error instead.
without_postgres() {
    local reason=$1
    shift
    if [ "${D8_TEST_POSTGRES:-}" = require ]; then
        echo "with-postgres.sh: $reason, and D8_TEST_POSTGRES=require" >&2
        exit 3
    fi
    echo "with-postgres.sh: $reason: the PostgreSQL tests are skipped" >&2
    unset D8_TEST_POSTGRES_URL D8_TEST_POSTGRES_DIR
    exec "$@"
}

if [ "${D8_TEST_POSTGRES:-}" = skip ]; then
    without_postgres "D8_TEST_POSTGRES=skip" "$@"
fi
if [ -n "${D8_TEST_POSTGRES_URL:-}" ]; then
    echo "with-postgres.sh: using D8_TEST_POSTGRES_URL from the environment" >&2
    exec "$@"
fi

if ! "$pg" ensure; then
    without_postgres "PostgreSQL is not available" "$@"
fi

dir=$(mktemp -d -t d8-postgres.XXXXXX)
cleanup() {
    "$pg" stop "$dir" || echo "with-postgres.sh: could not stop the cluster in $dir" >&2
    rm -rf -- "$dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if ! url=$("$pg" start "$dir"); then
    cleanup
    trap - EXIT HUP INT TERM
    without_postgres "the throwaway PostgreSQL cluster did not start (see above)" "$@"
fi
echo "with-postgres.sh: PostgreSQL at $url (folder $dir)" >&2
export D8_TEST_POSTGRES_URL=$url D8_TEST_POSTGRES_DIR=$dir

status=0
"$@" || status=$?
exit "$status"
