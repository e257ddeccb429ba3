#!/bin/bash
# ctl_bench.sh: what the control channel costs a running stack.
#
#   sudo BUILD=build bash bench/ctl_bench.sh
#
# 1. requests/s: examples/helloworld_epoll on net_af_packet over a veth
#    (tests/integ/lib.sh's topology: 198.18.0.1 in fsi-<pid>-a, wrk in
#    fsi-<pid>-b pinned to cpu 0, fastack on cpu 1), wrk -c CONNECTIONS
#    keep-alive for SECONDS, in rounds that alternate "nothing attached" and
#    "attached": `fastack top -b` refreshing every second and `fastack
#    metrics` scraped every second by curl, for the whole run (both on cpu
#    0, with wrk).  The median of each, their ratio, and the median of the
#    rounds' own ratios (a pair runs back to back, so a change in what else
#    runs on the machine hits both alike) are printed.
# 2. callgrind instructions per idle pass: helloworld_epoll idle under
#    `valgrind --tool=callgrind --toggle-collect=ff_run` for IDLE seconds,
#    with the channel off ([dpdk] ctl=0: the hook is one load and a branch)
#    and on (ctl=1: one compare a pass, and a tick of non-blocking accept()
#    each millisecond of the stack's clock); Ir / loop.loop_passes.
#
#    With CTL_BENCH_BASE=DIR (a build directory of a tree from before the
#    channel, e.g. `git archive 68b7513`), the same idle run of its
#    helloworld_epoll comes first: the cost before and after.
#
# A benchmark, not a test: it fails only if the server does not answer.
# Environment: CTL_BENCH_SECONDS (5), CTL_BENCH_ROUNDS (3),
# CTL_BENCH_CONNECTIONS (20), CTL_BENCH_IDLE (5), CTL_BENCH_SKIP
# ("wrk" and/or "callgrind").
TNAME=ctl_bench
TAG=fsb-$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$HERE/http_lib.sh"
SECS=${CTL_BENCH_SECONDS:-5}
ROUNDS=${CTL_BENCH_ROUNDS:-3}
CONNS=${CTL_BENCH_CONNECTIONS:-20}
IDLE=${CTL_BENCH_IDLE:-5}
SKIP=" ${CTL_BENCH_SKIP:-} "
BIN=$BUILD/examples/helloworld_epoll
FASTACK=$BUILD/tools/fastack
need_bin "$BIN" "$FASTACK"
need_tools wrk curl
need_root_netns
say() { printf '%s\n' "$*"; }
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

say "ctl_bench on $(git -C "$ROOT" rev-parse --short HEAD) ($(git -C "$ROOT" log -1 --format=%cd --date=short)), load average $(cut -d' ' -f1-3 /proc/loadavg)"
topo_veth || exit 1

if [[ $SKIP != *" wrk "* ]]; then
	write_conf "$WORK/fastack.ini" "$(fs_vdev)"
	FASTACK_HTTP_PORT=80 start_fastack bench "$BIN" "$WORK/fastack.ini" 600 || exit 1
	MPORT=$((20000 + $$ % 20000))
	wrk_round() { # -> requests/s
		in_b taskset -c "$FASTACK_PYCPU" wrk -t1 -c"$CONNS" -d"${SECS}s" "http://$FS_IP/" \
			>"$WORK/wrk.txt" 2>&1
		if grep -qE "Socket errors|Non-2xx" "$WORK/wrk.txt"; then
			say "  wrk reported errors:" && sed 's/^/    /' "$WORK/wrk.txt" >&2
		fi
		sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$WORK/wrk.txt"
	}
	attach() {
		taskset -c "$FASTACK_PYCPU" "$FASTACK" -d "$WORK/ctl" top -b >"$WORK/top.txt" 2>&1 &
		TOP_PID=$!
		taskset -c "$FASTACK_PYCPU" "$FASTACK" -d "$WORK/ctl" metrics \
			--listen "127.0.0.1:$MPORT" >/dev/null 2>&1 &
		MET_PID=$!
		(while :; do
			curl -s --max-time 2 "http://127.0.0.1:$MPORT/metrics" -o /dev/null
			sleep 1
		done) &
		SCRAPE_PID=$!
		PIDS+=("$TOP_PID" "$MET_PID" "$SCRAPE_PID")
	}
	detach() {
		kill "$TOP_PID" "$MET_PID" "$SCRAPE_PID" 2>/dev/null
		wait "$TOP_PID" "$MET_PID" "$SCRAPE_PID" 2>/dev/null
	}
	wrk_round >/dev/null # warm-up
	: >"$WORK/none" && : >"$WORK/att"
	for r in $(seq "$ROUNDS"); do
		none=$(wrk_round)
		attach
		att=$(wrk_round)
		detach
		say "  round $r: nothing attached $none req/s, top + metrics attached $att req/s"
		echo "$none" >>"$WORK/none"
		echo "$att" >>"$WORK/att"
		awk -v a="$none" -v b="$att" 'BEGIN { if (a > 0) printf "%.4f\n", b / a }' >>"$WORK/ratio"
	done
	m0=$(median <"$WORK/none")
	m1=$(median <"$WORK/att")
	say "requests/s (wrk -t1 -c$CONNS, keep-alive, ${SECS} s x $ROUNDS rounds, median):"
	say "  nothing attached            $m0"
	say "  fastack top + metrics 1/s   $m1"
	awk -v a="$m0" -v b="$m1" 'BEGIN { printf "  ratio attached / not       %.3f\n", b / a }'
	say "  median of the rounds' ratios $(median <"$WORK/ratio") (each round's pair ran back to back)"
	stop_fastack >/dev/null
fi

if [[ $SKIP != *" callgrind "* ]]; then
	# cg_idle CTL [BIN] -- sets IR and PASSES; CTL "base": BIN is a build
	# from before the channel (no ctl keys in its configuration)
	cg_idle() {
		local ctl=$1 bin=${2:-$BIN} out=$WORK/callgrind.$1
		write_conf "$WORK/cg.ini" "net_af_packet0,iface=$IF_A"
		if [ "$ctl" = base ]; then
			sed -i '/^ctl_dir=/d' "$WORK/cg.ini"
		else
			sed -i "s/^\\[dpdk\\]\$/[dpdk]\\nctl=$ctl/" "$WORK/cg.ini"
		fi
		FS_LOG=$WORK/cg-$ctl.log
		FASTACK_HTTP_PORT=80 ip netns exec "$NS_A" timeout -k 5 600 valgrind --tool=callgrind \
			--callgrind-out-file="$out" --toggle-collect=ff_run \
			"$bin" --conf "$WORK/cg.ini" >"$FS_LOG" 2>&1 &
		FS_PID=$!
		PIDS+=("$FS_PID")
		for _ in $(seq 1200); do # valgrind starts slowly
			grep -q "listening on" "$FS_LOG" && break
			sleep 0.1
		done
		sleep "$IDLE"
		kill -TERM "$FS_PID" # valgrind writes its profile on the way out
		for _ in $(seq 1200); do
			kill -0 "$FS_PID" 2>/dev/null || break
			sleep 0.1
		done
		wait "$FS_PID"
		IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
		PASSES=$(counter loop.loop_passes)
	}
	cg_idle 0
	ir0=$IR p0=$PASSES
	cg_idle 1
	ir1=$IR p1=$PASSES
	say "callgrind, idle ${IDLE} s under valgrind (Ir in ff_run / loop passes):"
	if [ -n "${CTL_BENCH_BASE:-}" ]; then
		cg_idle base "$CTL_BENCH_BASE/examples/helloworld_epoll"
		awk -v i="$IR" -v p="$PASSES" -v b="$(git -C "$CTL_BENCH_BASE/.." rev-parse --short HEAD 2>/dev/null || echo "$CTL_BENCH_BASE")" \
			'BEGIN { printf "  before the channel   %d Ir / %d passes = %.1f per pass (%s)\n", i, p, i / p, b }'
	fi
	awk -v i="$ir0" -v p="$p0" 'BEGIN { printf "  channel off (ctl=0)  %d Ir / %d passes = %.1f per pass\n", i, p, i / p }'
	awk -v i="$ir1" -v p="$p1" 'BEGIN { printf "  channel on  (ctl=1)  %d Ir / %d passes = %.1f per pass\n", i, p, i / p }'
fi
say "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
