#!/bin/bash
# multicore_bench.sh: HTTP requests/s of examples/helloworld with 1 and with
# 2 server stacks (threads mode), the same client, in one run; the ratio.
#
#   sudo BUILD=build bash bench/multicore_bench.sh
#
# Set-up: two namespaces joined by a veth (fsh-mb<pid>-a, the server end
# fshs0; fsh-mb<pid>-b, fshc0 198.18.0.2/24).  helloworld answers as
# 198.18.0.1 on port 80 on MC_BENCH_PMD (net_af_packet by default, one
# queue pair: with 2 stacks, software RSS hands stack 1 its frames and
# sends for it; af_xdp: the same on one AF_XDP queue), with lcore_mask 0x2
# (one stack, on cpu 1) or 0x3 (two stacks, cpus 0 and 1).  wrk (one
# thread, cpu 0) drives each for SECONDS with CONNECTIONS keep-alive
# connections, then with "Connection: close"; the two take turns ROUNDS
# times and the medians are compared.
#
# On a machine with 2 cpus the second stack shares cpu 0 with wrk and with
# the kernel's half of the veth: the ratio is what two stacks give *there*,
# not the scaling of a machine with a core per stack and a client elsewhere.
# The result (with the commit, the machine's cpus and load) is appended to
# bench/results/<date>-multicore.md when MC_BENCH_RECORD=1.
#
# Environment: MC_BENCH_SECONDS (10), MC_BENCH_CONNECTIONS (100),
# MC_BENCH_ROUNDS (3), MC_BENCH_PMD (af_packet | af_xdp), MC_BENCH_KEEP=1
# (keep the logs), MC_BENCH_RECORD=1.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECS=${MC_BENCH_SECONDS:-10}
CONNS=${MC_BENCH_CONNECTIONS:-100}
ROUNDS=${MC_BENCH_ROUNDS:-3}
PMD=${MC_BENCH_PMD:-af_packet}
BIN=$BUILD/examples/helloworld
TAG=fsh-mb$$
NS_S=$TAG-a
NS_C=$TAG-b
IF_S=fshs0
IF_C=fshc0
SRV_IP=198.18.0.1
CLI_IP=198.18.0.2
WORK=$(mktemp -d /tmp/fsh-mc-bench.XXXXXX)
PIDS=()

say() { printf '%s\n' "$*"; }
die() {
	say "multicore_bench: $*" >&2
	exit 1
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	if [ "${MC_BENCH_KEEP:-0}" = 1 ]; then
		say "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || die "run as root (namespaces, DPDK)"
[ -x "$BIN" ] || die "$BIN not built (BUILD=$BUILD)"
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup.sh installs it)"
[ "$(nproc)" -ge 2 ] || die "two stacks need two cpus"

ip netns add "$NS_S" && ip netns add "$NS_C" || die "cannot create namespaces"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link add "$IF_S" type veth peer name "$IF_C" netns "$NS_C" || die "veth"
ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$IF_S.disable_ipv6=1"
ip netns exec "$NS_C" sysctl -qw "net.ipv6.conf.$IF_C.disable_ipv6=1"
ip netns exec "$NS_C" ethtool -K "$IF_C" tx off >/dev/null # see tests/integ/lib.sh
ip -n "$NS_C" addr add "$CLI_IP/24" dev "$IF_C"
ip -n "$NS_S" link set "$IF_S" up
ip -n "$NS_C" link set "$IF_C" up

conf() { # file mask
	local vdev
	case $PMD in
	af_xdp) vdev="net_af_xdp0,iface=$IF_S,start_queue=0,queue_count=1" ;;
	*) vdev="net_af_packet0,iface=$IF_S,framecnt=4096" ;;
	esac
	cat >"$1" <<EOF
[dpdk]
lcore_mask=$2
port_list=0
no_huge=1
nb_mbufs=16383
log_level=info
eal_args=--no-pci --vdev=$vdev

[port0]
addr=$SRV_IP
netmask=255.255.255.0
broadcast=198.18.0.255
EOF
}

start_server() { # name conf
	FASTACK_HTTP_PORT=80 ip netns exec "$NS_S" "$BIN" --conf "$2" >"$WORK/$1.log" 2>&1 &
	SPID=$!
	PIDS+=("$SPID")
	for _ in $(seq 200); do
		if ip netns exec "$NS_C" curl -s -m 1 -o /dev/null "http://$SRV_IP/" 2>/dev/null; then
			return 0
		fi
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  | /' "$WORK/$1.log"
	return 1
}

stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

wrk_rps() { # name [wrk args]
	local name=$1 out=$WORK/wrk-$1.txt
	shift
	ip netns exec "$NS_C" timeout -k 2 $((SECS + 30)) taskset -c 0 \
		bash -c 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec wrk "$@"' wrk \
		-t1 -c"$CONNS" -d"${SECS}s" --timeout 5s "$@" "http://$SRV_IP/" >"$out" 2>&1
	if grep -Eq "Socket errors|Non-2xx" "$out"; then
		grep -E "Socket errors|Non-2xx" "$out" | sed "s/^/  $name: /" >&2
	fi
	awk '/^Requests\/sec:/ { printf "%.0f", $2; f = 1 } END { if (!f) printf "failed" }' "$out"
}

# The requests each stack served (helloworld[i]: ... requests N;).
shares() {
	sed -n 's/^helloworld\[\([0-9]\)\]: stopped: .*; requests \([0-9]*\);.*/stack \1: \2/p' "$1" |
		paste -sd, - | sed 's/,/, /g'
}

say "== multicore_bench: helloworld on $PMD, 1 stack (cpu 1) vs 2 stacks (cpus 0-1);" \
	"wrk -t1 -c$CONNS on cpu 0, $SECS s per figure, $ROUNDS rounds"
say "   load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
conf "$WORK/one.ini" 0x2
conf "$WORK/two.ini" 0x3
ONE_KA=() ONE_CL=() TWO_KA=() TWO_CL=()
for round in $(seq "$ROUNDS"); do
	start_server "one-$round" "$WORK/one.ini" || die "helloworld (1 stack) did not start"
	ONE_KA+=("$(wrk_rps "one-ka-$round")")
	ONE_CL+=("$(wrk_rps "one-cl-$round" -H "Connection: close")")
	stop_server
	start_server "two-$round" "$WORK/two.ini" || die "helloworld (2 stacks) did not start"
	TWO_KA+=("$(wrk_rps "two-ka-$round")")
	TWO_CL+=("$(wrk_rps "two-cl-$round" -H "Connection: close")")
	stop_server
	say "  round $round: 1 stack ${ONE_KA[-1]} / ${ONE_CL[-1]}, 2 stacks ${TWO_KA[-1]} /" \
		"${TWO_CL[-1]} requests/s (keep-alive / close); 2 stacks served" \
		"$(shares "$WORK/two-$round.log")"
done
grep -m1 "queue(s) for" "$WORK/two-1.log" | sed 's/^/   /'

median() {
	case " $* " in
	*" failed "*) echo failed ;;
	*) printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }' ;;
	esac
}
ratio() {
	case "$1$2" in
	*[!0-9]*) echo "-" ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' ;;
	esac
}
one_ka=$(median "${ONE_KA[@]}")
one_cl=$(median "${ONE_CL[@]}")
two_ka=$(median "${TWO_KA[@]}")
two_cl=$(median "${TWO_CL[@]}")
{
	say ""
	say "median of $ROUNDS rounds, commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)," \
		"$(nproc) cpus ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $PMD:"
	printf '%-20s %14s %14s %8s\n' "requests/s" "1 stack" "2 stacks" "ratio"
	printf '%-20s %14s %14s %8s\n' "keep-alive" "$one_ka" "$two_ka" "$(ratio "$two_ka" "$one_ka")"
	printf '%-20s %14s %14s %8s\n' "Connection: close" "$one_cl" "$two_cl" \
		"$(ratio "$two_cl" "$one_cl")"
	say "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$WORK/summary.txt"
if [ "${MC_BENCH_RECORD:-0}" = 1 ]; then
	out=$ROOT/bench/results/$(date -u +%Y-%m-%d)-multicore.md
	{
		echo ""
		echo "## $(date -u '+%Y-%m-%d %H:%M UTC'): bench/multicore_bench.sh"
		echo ""
		echo '```'
		cat "$WORK/summary.txt"
		echo '```'
	} >>"$out"
	say "recorded in $out"
fi
