#!/usr/bin/env bash
# Network namespaces as separate hosts, for tests that run d8 nodes and workers as if on
# different machines (needs root, or CAP_NET_ADMIN and CAP_SYS_ADMIN).
#
#   scripts/netns.sh up N    hosts d8h1..d8hN: namespace d8hI has eth0 = 10.208.0.(10+I)/24 and lo,
#                            joined by veth pairs to the bridge d8br0 (10.208.0.1/24) in the root
#                            namespace, with a default route through it; hosts above N are removed
#   scripts/netns.sh down    removes every d8h* namespace and the bridge
#   scripts/netns.sh check   exit 0 if namespaces, veth pairs and bridges can be made here, else 3
#   scripts/netns.sh list    prints each host's namespace and address
#
# All are idempotent. Run a program on a host with `ip netns exec d8h1 CMD`. The root namespace
# is 10.208.0.1 to the hosts: a PostgreSQL for them is started with
#   D8_PG_LISTEN=10.208.0.1 scripts/postgres.sh start DIR     (after `up`: the address must exist)
# and reached at postgres://d8@10.208.0.1:PORT/d8. Exit status: 0 done, 1 failure, 2 usage,
# 3 namespaces cannot be made here.
set -euo pipefail

readonly BRIDGE=d8br0
readonly PREFIX=10.208.0
readonly ROOT_ADDR=$PREFIX.1/24
readonly MAX_HOSTS=200

say() { echo "netns.sh: $*" >&2; }
die() { say "$*"; exit 1; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

need_ip() { command -v ip >/dev/null 2>&1 || { say "the 'ip' command (iproute2) is missing"; exit 3; }; }

ns_exists() { ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$1"; }
link_exists() { ip link show "$1" >/dev/null 2>&1; }
hosts() { ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^d8h[0-9]+$' | sort -V || true; }

# With br_netfilter loaded, bridged packets pass iptables' FORWARD chain, whose policy may be
# DROP (Docker sets it so): let the bridge's own traffic through.
allow_forward() {
    [ "$(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0)" = 1 ] || return 0
    command -v iptables >/dev/null 2>&1 || return 0
    iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
        || iptables -I FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null \
        || say "warning: could not add an iptables FORWARD rule for $BRIDGE; hosts may not reach each other"
}

disallow_forward() {
    command -v iptables >/dev/null 2>&1 || return 0
    while iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null; do
        iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -j ACCEPT 2>/dev/null || break
    done
}

bridge_up() {
    if ! link_exists "$BRIDGE"; then
        ip link add "$BRIDGE" type bridge || die "could not create the bridge $BRIDGE"
    fi
    ip addr show dev "$BRIDGE" | grep -q " $ROOT_ADDR " || ip addr add "$ROOT_ADDR" dev "$BRIDGE"
    ip link set "$BRIDGE" up
    allow_forward
}

host_up() {
    local i=$1 ns="d8h$1" veth="d8v$1" peer="d8p$1" addr="$PREFIX.$((10 + $1))/24"
    ns_exists "$ns" || ip netns add "$ns" || die "could not create the namespace $ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
        link_exists "$veth" && ip link del "$veth"          # a half-made pair from an interrupted run
        ip link add "$veth" type veth peer name "$peer" || die "could not create the veth pair $veth/$peer"
        ip link set "$peer" netns "$ns"
        ip -n "$ns" link set "$peer" name eth0
    fi
    ip link set "$veth" master "$BRIDGE"
    ip link set "$veth" up
    ip -n "$ns" addr show dev eth0 | grep -q " $addr " || ip -n "$ns" addr add "$addr" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route replace default via "$PREFIX.1" dev eth0
}

host_down() {
    local ns=$1 i=${1#d8h}
    ip netns del "$ns" 2>/dev/null || true                 # takes eth0 and so its peer along
    link_exists "d8v$i" && ip link del "d8v$i" 2>/dev/null || true
}

up() {
    local n=$1 i ns
    [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le "$MAX_HOSTS" ] || die "N must be a number from 1 to $MAX_HOSTS, got '$n'"
    need_ip
    bridge_up
    for i in $(seq 1 "$n"); do host_up "$i"; done
    for ns in $(hosts); do
        [ "${ns#d8h}" -le "$n" ] || host_down "$ns"
    done
}

down() {
    local ns
    need_ip
    for ns in $(hosts); do host_down "$ns"; done
    link_exists "$BRIDGE" && ip link del "$BRIDGE"
    disallow_forward
    return 0
}

list() {
    local ns
    for ns in $(hosts); do
        printf '%s %s\n' "$ns" "$(ip -n "$ns" -4 -o addr show dev eth0 2>/dev/null | awk '{print $4}')"
    done
}

# Tries what `up` does on throwaway names, and undoes it.
check() {
    need_ip
    local tag="d8ck$$" err status=0
    tag=${tag:0:11}
    err=$(mktemp)
    if ! ip netns add "$tag" 2>"$err"; then
        say "cannot create network namespaces here: $(cat "$err") (needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN)"
        status=3
    elif ! { ip link add "${tag}a" type veth peer name "${tag}b" && ip link set "${tag}b" netns "$tag"; } 2>"$err"; then
        say "cannot create veth pairs here: $(cat "$err")"
        status=3
    elif ! { ip link add "${tag}br" type bridge && ip link set "${tag}a" master "${tag}br"; } 2>"$err"; then
        say "cannot create bridges here: $(cat "$err")"
        status=3
    elif ! ip -n "$tag" link set lo up 2>"$err"; then
        say "cannot configure a namespace's links here: $(cat "$err")"
        status=3
    fi
    ip netns del "$tag" 2>/dev/null || true
    ip link del "${tag}a" 2>/dev/null || true
    ip link del "${tag}br" 2>/dev/null || true
    rm -f "$err"
    return "$status"
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
    up)     [ $# -eq 1 ] || usage; up "$1" ;;
    down)   [ $# -eq 0 ] || usage; down ;;
    check)  [ $# -eq 0 ] || usage; check ;;
    list)   [ $# -eq 0 ] || usage; list ;;
    -h|--help|help) usage ;;
    *)      say "unknown command '$command'"; usage ;;
esac
