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
BENCH=multicore_bench
BENCH_KEEP=${MC_BENCH_KEEP:-0}
CPU_C=0
. "$HERE/bench_lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (namespaces, DPDK)"
[ -x "$BIN" ] || die "$BIN not built (BUILD=$BUILD)"
command -v wrk >/dev/null || die "wrk is not installed (scripts/setup.sh installs it)"
[ "$(nproc)" -ge 2 ] || die "two stacks need two cpus"

topo

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
	FASTACK_HTTP_PORT=80 start_server "one-$round" "$BIN" --conf "$WORK/one.ini" ||
		die "helloworld (1 stack) did not start"
	ONE_KA+=("$(wrk_rps "one-ka-$round")")
	ONE_CL+=("$(wrk_rps "one-cl-$round" -H "Connection: close")")
	stop_server
	FASTACK_HTTP_PORT=80 start_server "two-$round" "$BIN" --conf "$WORK/two.ini" ||
		die "helloworld (2 stacks) did not start"
	TWO_KA+=("$(wrk_rps "two-ka-$round")")
	TWO_CL+=("$(wrk_rps "two-cl-$round" -H "Connection: close")")
	stop_server
	say "  round $round: 1 stack ${ONE_KA[-1]} / ${ONE_CL[-1]}, 2 stacks ${TWO_KA[-1]} /" \
		"${TWO_CL[-1]} requests/s (keep-alive / close); 2 stacks served" \
		"$(shares "$WORK/two-$round.log")"
done
grep -m1 "queue(s) for" "$WORK/two-1.log" | sed 's/^/   /'

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
