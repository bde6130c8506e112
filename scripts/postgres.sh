#!/usr/bin/env bash
# Throwaway PostgreSQL clusters for d8's tests and `make cluster`.
#
#   scripts/postgres.sh start DIR [PORT]      make (or reuse) a cluster in DIR; print its URL
#   scripts/postgres.sh stop DIR              stop it (fast) and remove DIR
#   scripts/postgres.sh restart-immediate DIR crash-restart it (pg_ctl -m immediate), for fault tests
#   scripts/postgres.sh url DIR               print the URL of the cluster in DIR
#   scripts/postgres.sh ensure                install PostgreSQL if missing (Debian: apt-get)
#
# `start` prints exactly one line on stdout, postgres://d8@127.0.0.1:PORT/d8, once the cluster
# accepts connections; everything else goes to stderr or to DIR/log/. The cluster listens on
# 127.0.0.1 (and on the addresses in D8_PG_LISTEN, e.g. "10.208.0.1" or "10.208.0.1/24", trusting
# that subnet; a bare IPv4 address means its /24) and on a unix socket in DIR/socket, trusts
# loopback, and has a database `d8` owned by a role `d8` (LOGIN, CREATEDB, not a superuser).
# Layout of DIR: data/ (PGDATA), socket/, log/postgresql.log, log/initdb.log, cluster.env.
#
# PostgreSQL refuses to run as root: as root the server and its tools run as the `postgres`
# user (created as a system user when missing) and DIR is chowned to it; as anyone else they
# run as that user. Exit status: 0 done, 1 failure, 2 usage, 3 PostgreSQL is not available.
set -euo pipefail

readonly ROLE=d8
readonly DATABASE=d8
readonly PG_USER=postgres

die() { echo "postgres.sh: $*" >&2; exit 1; }
say() { echo "postgres.sh: $*" >&2; }

usage() {
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# The folder of initdb, pg_ctl and postgres: the one initdb on PATH resolves to, else the newest
# /usr/lib/postgresql/*/bin (Debian does not put the server's tools on PATH). Empty if none.
pg_bindir() {
    local initdb dir
    if initdb=$(command -v initdb 2>/dev/null); then
        dir=$(dirname "$(readlink -f "$initdb")")
        if [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return; fi
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4,4 -rn); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then echo "$dir"; return; fi
    done
}

# A client tool (psql, pg_isready): next to the server if there, else on PATH.
pg_tool() {
    if [ -x "$BIN/$1" ]; then echo "$BIN/$1"
    elif command -v "$1" >/dev/null 2>&1; then command -v "$1"
    else die "$1 not found (next to $BIN/initdb or on PATH)"
    fi
}

require_bindir() {
    BIN=$(pg_bindir)
    if [ -z "$BIN" ]; then
        echo "postgres.sh: PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin); run 'make setup-postgres' or 'scripts/postgres.sh ensure'" >&2
        exit 3
    fi
}

# As root, the `postgres` system user must exist; create it as Debian's package would.
ensure_pg_user() {
    is_root || return 0
    id -u "$PG_USER" >/dev/null 2>&1 && return 0
    say "creating the system user $PG_USER"
    if command -v useradd >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home \
                --shell /bin/bash --comment "PostgreSQL administrator" "$PG_USER"
    elif command -v adduser >/dev/null 2>&1; then
        adduser --system --group --home /var/lib/postgresql --no-create-home --shell /bin/bash "$PG_USER"
    else
        die "the user $PG_USER is missing and neither useradd nor adduser is available to create it"
    fi
}

# Runs a command as the user the server runs as, from / (so no tool complains that it cannot
# enter the caller's folder, e.g. /root).
as_pg() {
    if is_root; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        (cd / && "$@")
    fi
}

# A TCP port nothing listens on, from the ephemeral-looking range 20000-59999.
free_port() {
    local port tries
    for tries in $(seq 1 200); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
        if ! port_in_use "$port"; then echo "$port"; return; fi
    done
    die "found no free TCP port"
}

port_in_use() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# DIR as an absolute path (it need not exist yet).
absolute() {
    case "$1" in
        /*) echo "$1" ;;
        *) echo "$PWD/$1" ;;
    esac
}

# The variables of a cluster made by `start`: PORT and URL.
load_env() {
    local dir=$1
    [ -f "$dir/cluster.env" ] || die "$dir holds no cluster made by postgres.sh (no $dir/cluster.env)"
    # shellcheck disable=SC1091
    . "$dir/cluster.env"
}

is_running() {
    local dir=$1
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$BIN/pg_ctl" status -D "$dir/data" >/dev/null 2>&1
}

# Waits until the cluster accepts connections on its TCP port (pg_isready), up to 60 s.
wait_ready() {
    local dir=$1 port=$2 isready i
    isready=$(pg_tool pg_isready)
    for i in $(seq 1 600); do
        if "$isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$PG_USER" -t 1 >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    tail -n 20 "$dir/log/postgresql.log" >&2 2>/dev/null || true
    die "PostgreSQL in $dir did not accept connections on 127.0.0.1:$port within 60 s (log: $dir/log/postgresql.log)"
}

# listen_addresses and pg_hba.conf lines for D8_PG_LISTEN ("ADDR[/PREFIX] ...", commas or spaces).
extra_listen() {
    local list=${D8_PG_LISTEN:-} item addr prefix
    for item in ${list//,/ }; do
        addr=${item%%/*}
        if [ "$item" != "$addr" ]; then prefix=${item#*/}
        elif [[ $addr == *:* ]]; then prefix=128
        else prefix=24
        fi
        echo "$addr $prefix"
    done
}

start() {
    local dir port=${2:-} auto_port=0 attempt
    dir=$(absolute "$1")
    require_bindir
    ensure_pg_user

    if [ -f "$dir/cluster.env" ]; then
        load_env "$dir"
        if ! is_running "$dir"; then
            say "starting the existing cluster in $dir on port $PORT"
            as_pg "$BIN/pg_ctl" start -s -w -t 60 -D "$dir/data" -l "$dir/log/postgresql.log" >&2 \
                || { tail -n 20 "$dir/log/postgresql.log" >&2 || true; die "pg_ctl start failed (log: $dir/log/postgresql.log)"; }
        fi
        wait_ready "$dir" "$PORT"
        echo "$URL"
        return
    fi

    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        die "$dir is not empty and holds no cluster made by postgres.sh; give an empty or new folder"
    fi
    mkdir -p "$dir"
    mkdir -p "$dir/data" "$dir/socket" "$dir/log"
    chmod 0700 "$dir/data"
    if is_root; then
        chown -R "$PG_USER:" "$dir"
    fi
    if ! as_pg test -w "$dir/data" -a -w "$dir/log"; then
        die "the user $PG_USER cannot write to $dir (a parent folder may not be searchable by it, e.g. one made by mktemp -d: chmod 755 it)"
    fi

    say "initdb in $dir/data ($BIN)"
    as_pg "$BIN/initdb" -D "$dir/data" -U "$PG_USER" --auth=trust --encoding=UTF8 --locale=C \
        >"$dir/log/initdb.log" 2>&1 \
        || { tail -n 20 "$dir/log/initdb.log" >&2 || true; die "initdb failed (log: $dir/log/initdb.log)"; }

    local listen="127.0.0.1" hba addr prefix
    hba="# Written by scripts/postgres.sh: a throwaway cluster trusting loopback (and D8_PG_LISTEN's subnets).
local   all  all                trust
host    all  all  127.0.0.1/32  trust
host    all  all  ::1/128       trust"
    while read -r addr prefix; do
        [ -n "$addr" ] || continue
        listen="$listen,$addr"
        hba="$hba
host    all  all  $addr/$prefix  trust"
    done < <(extra_listen)
    printf '%s\n' "$hba" | as_pg tee "$dir/data/pg_hba.conf" >/dev/null

    [ -n "$port" ] || { port=$(free_port); auto_port=1; }
    for attempt in 1 2 3 4 5; do
        # Test settings: durable (fsync, synchronous commit), room for several nodes' pools.
        as_pg tee "$dir/data/postgresql.auto.conf" >/dev/null <<EOF
# Written by scripts/postgres.sh.
listen_addresses = '$listen'
port = $port
unix_socket_directories = '$dir/socket'
max_connections = 200
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
logging_collector = off
log_min_messages = warning
log_min_error_statement = error
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'UTC'
timezone = 'UTC'
EOF
        if as_pg "$BIN/pg_ctl" start -s -w -t 60 -D "$dir/data" -l "$dir/log/postgresql.log" >&2; then
            break
        fi
        if [ "$auto_port" -eq 1 ] && [ "$attempt" -lt 5 ] && grep -q 'could not bind\|Address already in use' "$dir/log/postgresql.log" 2>/dev/null; then
            say "port $port was taken meanwhile; trying another"
            port=$(free_port)
            continue
        fi
        tail -n 20 "$dir/log/postgresql.log" >&2 || true
        die "pg_ctl start failed (log: $dir/log/postgresql.log)"
    done
    wait_ready "$dir" "$port"

    local psql
    psql=$(pg_tool psql)
    as_pg "$psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U "$PG_USER" -d postgres \
        -c "CREATE ROLE $ROLE LOGIN CREATEDB" \
        -c "CREATE DATABASE $DATABASE OWNER $ROLE" >&2 \
        || die "creating the role and database $ROLE failed"

    local url="postgres://$ROLE@127.0.0.1:$port/$DATABASE"
    printf 'PORT=%s\nURL=%s\n' "$port" "$url" >"$dir/cluster.env"
    is_root && chown "$PG_USER:" "$dir/cluster.env"
    echo "$url"
}

stop() {
    local dir
    dir=$(absolute "$1")
    if [ ! -e "$dir" ]; then say "$dir does not exist: nothing to stop"; return; fi
    [ -f "$dir/cluster.env" ] || [ -f "$dir/data/PG_VERSION" ] \
        || die "$dir holds no cluster made by postgres.sh; not removing it"
    if [ -f "$dir/data/postmaster.pid" ]; then
        require_bindir
        if is_running "$dir"; then
            as_pg "$BIN/pg_ctl" stop -s -w -t 60 -m fast -D "$dir/data" >&2 \
                || as_pg "$BIN/pg_ctl" stop -s -w -t 30 -m immediate -D "$dir/data" >&2 \
                || die "could not stop the cluster in $dir"
        fi
    fi
    rm -rf -- "$dir"
}

restart_immediate() {
    local dir
    dir=$(absolute "$1")
    require_bindir
    load_env "$dir"
    as_pg "$BIN/pg_ctl" restart -s -w -t 60 -m immediate -D "$dir/data" -l "$dir/log/postgresql.log" >&2 \
        || { tail -n 20 "$dir/log/postgresql.log" >&2 || true; die "pg_ctl restart failed (log: $dir/log/postgresql.log)"; }
    wait_ready "$dir" "$PORT"
}

url() {
    local dir
    dir=$(absolute "$1")
    load_env "$dir"
    echo "$URL"
}

# Installs PostgreSQL with apt-get when initdb is missing (as the Makefile's setup targets do).
ensure() {
    if [ -n "$(pg_bindir)" ]; then ensure_pg_user; return 0; fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "postgres.sh: PostgreSQL is not installed and apt-get is not available: install PostgreSQL (initdb, pg_ctl, postgres, psql) to run the PostgreSQL tests" >&2
        exit 3
    fi
    local sudo=""
    if ! is_root; then
        if command -v sudo >/dev/null 2>&1; then sudo=sudo
        else
            echo "postgres.sh: PostgreSQL is not installed and installing it needs root (no sudo here): run 'apt-get install -y postgresql' as root" >&2
            exit 3
        fi
    fi
    say "installing postgresql"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql; } >&2; then
        echo "postgres.sh: 'apt-get install -y postgresql' failed" >&2
        exit 3
    fi
    if [ -z "$(pg_bindir)" ]; then
        echo "postgres.sh: postgresql was installed but initdb is still not found (looked on PATH and in /usr/lib/postgresql/*/bin)" >&2
        exit 3
    fi
    ensure_pg_user
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
    start)              [ $# -ge 1 ] && [ $# -le 2 ] || usage
                        if [ $# -eq 2 ] && ! [[ $2 =~ ^[0-9]+$ && $2 -ge 1 && $2 -le 65535 ]]; then die "PORT must be a number from 1 to 65535, got '$2'"; fi
                        start "$@" ;;
    stop)               [ $# -eq 1 ] || usage; stop "$1" ;;
    restart-immediate)  [ $# -eq 1 ] || usage; restart_immediate "$1" ;;
    url)                [ $# -eq 1 ] || usage; url "$1" ;;
    ensure)             [ $# -eq 0 ] || usage; ensure ;;
    -h|--help|help)     usage ;;
    *)                  echo "postgres.sh: unknown command '$command'" >&2; usage ;;
esac
