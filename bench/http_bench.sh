#!/bin/bash
# http_bench.sh: HTTP requests/s, fastack's helloworld vs nginx on the Linux
# kernel, in one run, plus callgrind instructions per keep-alive request;
# and examples/co_http (the same answers from blocking-style code, a
# coroutine per connection) against helloworld, in the same rounds.
#
#   sudo BUILD=build bash bench/http_bench.sh
#
# Set-up (both servers): two network namespaces joined by a veth pair,
# fsh-hb<pid>-a (the server end, fshs0) and fsh-hb<pid>-b (fshc0,
# 198.18.0.2/24, TX checksum offload off as fastack needs it).  The server
# answers as 198.18.0.1 on port 80 with the same 19-byte text body
# ("Hello from fastack\n"):
#   fastack  examples/helloworld (kqueue) on net_af_xdp over fshs0 (falls back
#            to net_af_packet if AF_XDP does not come up; the table says
#            which), its lcore on cpu 1
#   nginx    Debian's nginx, one worker pinned to cpu 1, access log off,
#            `return 200 "Hello from fastack\n";`, fshs0 given 198.18.0.1/24
# wrk (one thread, pinned to cpu 0) drives each for SECONDS with CONNECTIONS
# keep-alive connections, then again with "Connection: close" (a new
# connection per request).  The servers take turns, ROUNDS times (so a
# change in what else runs on the machine hits both alike), and the table
# shows the median requests/s side by side with the ratio fastack / nginx.  Note the kernel does nginx's receive processing
# for frames from a veth in the sender's context, i.e. partly on wrk's cpu:
# the comparison is of whole systems on two cpus, as a user would see it.
#
# callgrind: helloworld runs under `valgrind --tool=callgrind
# --toggle-collect=ff_run` (only the poll loop is counted, not start-up) on
# net_af_packet (valgrind does not follow AF_XDP's shared rings), and
# `ab -k -c 1 -n REQUESTS` sends a fixed number of keep-alive requests on one
# connection.  The loop polls even when idle, so a first run with no traffic
# measures the instructions of an idle pass; the figure is
#   (Ir of the loaded run - idle passes x Ir per idle pass) / requests
# i.e. everything the stack and the application execute per request: RX,
# TCP, kqueue, HTTP parse, response, TX, and the busy passes' fixed costs.
# co_http is measured the same way after helloworld (its figure includes
# the coroutine switches and parks; callgrind counts instructions, so other
# work on the machine does not move it, unlike requests/s).
#
# A benchmark, not a test: it fails only if a server does not answer.
# Figures depend on what else the two cpus are doing (the load average is
# printed).  Environment:
#   HTTP_BENCH_SECONDS (10)       per figure and round
#   HTTP_BENCH_CONNECTIONS (50)   wrk -c
#   HTTP_BENCH_ROUNDS (3)         0: callgrind only
#   HTTP_BENCH_PMD (af_xdp)       or af_packet
#   HTTP_BENCH_CG_REQUESTS (20000)
#   HTTP_BENCH_SKIP               "callgrind", "nginx" and/or "co": leave parts out
#   HTTP_BENCH_KEEP=1             keep the logs (wrk and server output,
#                                 callgrind profiles) and say where
#   HTTP_BENCH_SYSCTL             knobs for fastack's [freebsd.sysctl], e.g.
#                                 "net.inet.tcp.functions_default=rack"
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECS=${HTTP_BENCH_SECONDS:-10}
CONNS=${HTTP_BENCH_CONNECTIONS:-50}
ROUNDS=${HTTP_BENCH_ROUNDS:-3}
PMD=${HTTP_BENCH_PMD:-af_xdp}
CG_REQS=${HTTP_BENCH_CG_REQUESTS:-20000}
SKIP=" ${HTTP_BENCH_SKIP:-} "
BIN=$BUILD/examples/helloworld
CO_BIN=$BUILD/examples/co_http
TAG=fsh-hb$$
BENCH=http_bench
BENCH_KEEP=${HTTP_BENCH_KEEP:-0}
. "$HERE/bench_lib.sh"

[ "$(id -u)" = 0 ] || die "run as root (namespaces, DPDK)"
[ -x "$BIN" ] || die "$BIN not built (BUILD=$BUILD)"

# Tools: installed here if missing (Debian packages).
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx)
command -v valgrind >/dev/null || need+=(valgrind)
command -v ab >/dev/null || need+=(apache2-utils)
command -v ethtool >/dev/null || need+=(ethtool)
if [ ${#need[@]} -gt 0 ]; then
	say "installing: ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${need[@]}" \
		>"$WORK/apt.log" 2>&1 || {
		tail -5 "$WORK/apt.log"
		die "apt-get install failed"
	}
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ "$(nproc)" -ge 2 ]; then
	CPU_S=1 CPU_C=0
else
	CPU_S=0 CPU_C=0
	say "one cpu only: server and wrk share it, figures will be poor"
fi

conf() { # file pmd
	local vdev
	case $2 in
	af_xdp) vdev="net_af_xdp0,iface=$IF_S,start_queue=0,queue_count=1" ;;
	*) vdev="net_af_packet0,iface=$IF_S,framecnt=4096" ;;
	esac
	cat >"$1" <<EOF
[dpdk]
lcore_mask=$(printf '0x%x' $((1 << CPU_S)))
port_list=0
no_huge=1
nb_mbufs=16383
eal_args=--no-pci --vdev=$vdev

[port0]
addr=$SRV_IP
netmask=255.255.255.0
broadcast=198.18.0.255
EOF
	if [ -n "${HTTP_BENCH_SYSCTL:-}" ]; then
		printf '\n[freebsd.sysctl]\n' >>"$1"
		for kv in $HTTP_BENCH_SYSCTL; do
			printf '%s=%s\n' "${kv%%=*}" "${kv#*=}" >>"$1"
		done
	fi
}

say "== http_bench: wrk -t1 -c$CONNS, $SECS s per figure; server on cpu $CPU_S, wrk on cpu $CPU_C"
say "   load average before: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the cpus skews figures)"
topo

# --- the two servers, in alternating rounds ---
mkdir -p "$WORK/nginx"
cat >"$WORK/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity $([ "$CPU_S" = 1 ] && echo 10 || echo 1);
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 8192; }
http {
	access_log off;
	keepalive_requests 1000000000;
	client_body_temp_path $WORK/nginx;
	proxy_temp_path $WORK/nginx;
	fastcgi_temp_path $WORK/nginx;
	uwsgi_temp_path $WORK/nginx;
	scgi_temp_path $WORK/nginx;
	server {
		listen $SRV_IP:80 backlog=4096;
		location / {
			default_type text/plain;
			return 200 "Hello from fastack\n";
		}
	}
}
EOF

used=$PMD
conf "$WORK/fastack.ini" "$PMD"
FS_KA=() FS_CL=() NG_KA=() NG_CL=() CO_KA=() CO_CL=()
for round in $(seq "$ROUNDS"); do
	# fastack (the first round settles af_xdp or af_packet)
	if ! FASTACK_HTTP_PORT=80 start_server "fastack-$round" "$BIN" --conf "$WORK/fastack.ini"; then
		stop_server
		[ "$used" = af_xdp ] || die "helloworld did not start"
		say "net_af_xdp did not come up: falling back to net_af_packet"
		used=af_packet
		conf "$WORK/fastack.ini" af_packet
		FASTACK_HTTP_PORT=80 start_server "fastack-$round" "$BIN" --conf "$WORK/fastack.ini" ||
			die "helloworld did not start"
	fi
	FS_KA+=("$(wrk_rps "fastack-keepalive-$round")")
	FS_CL+=("$(wrk_rps "fastack-close-$round" -H "Connection: close")")
	stop_server
	grep -E ": stopped:" "$WORK/fastack-$round.log" | sed "s/^/  round $round: /"

	# co_http: the same stack and port, coroutines instead of kqueue
	if [[ $SKIP != *" co "* ]]; then
		if FASTACK_HTTP_PORT=80 start_server "co-$round" "$CO_BIN" --conf "$WORK/fastack.ini"; then
			CO_KA+=("$(wrk_rps "co-keepalive-$round")")
			CO_CL+=("$(wrk_rps "co-close-$round" -H "Connection: close")")
		else
			say "co_http did not start"
			CO_KA+=(failed) CO_CL+=(failed)
		fi
		stop_server
		grep -E ": stopped:" "$WORK/co-$round.log" | sed "s/^/  round $round: /"
		say "  round $round: co_http ${CO_KA[-1]} / ${CO_CL[-1]} requests/s (keep-alive / close)"
	fi

	# nginx on the kernel: the same namespaces and veth, the address on fshs0
	if [[ $SKIP == *" nginx "* ]]; then
		say "  round $round: helloworld ${FS_KA[-1]} / ${FS_CL[-1]} requests/s (keep-alive / close)"
		continue
	fi
	ip -n "$NS_S" addr add "$SRV_IP/24" dev "$IF_S"
	if start_server "nginx-$round" taskset -c "$CPU_S" "$NGINX" -c "$WORK/nginx.conf" \
		-p "$WORK" -g "daemon off;"; then
		NG_KA+=("$(wrk_rps "nginx-keepalive-$round")")
		NG_CL+=("$(wrk_rps "nginx-close-$round" -H "Connection: close")")
	else
		say "nginx did not start"
		NG_KA+=(failed) NG_CL+=(failed)
	fi
	stop_server
	ip -n "$NS_S" addr flush dev "$IF_S"
	say "  round $round: fastack ${FS_KA[-1]} / ${FS_CL[-1]}, nginx ${NG_KA[-1]} / ${NG_CL[-1]}" \
		"requests/s (keep-alive / close)"
done

fs_ka=$(median "${FS_KA[@]}")
fs_cl=$(median "${FS_CL[@]}")
ng_ka=$(median "${NG_KA[@]}")
ng_cl=$(median "${NG_CL[@]}")
co_ka=$(median "${CO_KA[@]}")
co_cl=$(median "${CO_CL[@]}")

say ""
say "median of $ROUNDS rounds:"
printf '%-26s %18s %18s %8s\n' "requests/s" "fastack ($used)" "nginx (kernel)" "ratio"
printf '%-26s %18s %18s %8s\n' "keep-alive" "$fs_ka" "$ng_ka" "$(ratio "$fs_ka" "$ng_ka")"
printf '%-26s %18s %18s %8s\n' "Connection: close" "$fs_cl" "$ng_cl" "$(ratio "$fs_cl" "$ng_cl")"
if [[ $SKIP != *" co "* ]]; then
	say ""
	printf '%-26s %18s %18s %8s\n' "requests/s" "co_http" "helloworld" "ratio"
	printf '%-26s %18s %18s %8s\n' "keep-alive" "$co_ka" "$fs_ka" "$(ratio "$co_ka" "$fs_ka")"
	printf '%-26s %18s %18s %8s\n' "Connection: close" "$co_cl" "$fs_cl" "$(ratio "$co_cl" "$fs_cl")"
fi

# --- callgrind: instructions per keep-alive request ---
if [[ $SKIP != *" callgrind "* ]]; then
	conf "$WORK/cg.ini" af_packet
	# cg_run NAME SECONDS-IDLE [ab args] -- sets IR, PASSES, BUSY, REQS ($CG_BIN)
	cg_run() {
		local name=$1 idle=$2 out=$WORK/callgrind.$1
		shift 2
		FASTACK_HTTP_PORT=80 start_server "cg-$name" valgrind --tool=callgrind \
			--callgrind-out-file="$out" --toggle-collect=ff_run \
			"$CG_BIN" --conf "$WORK/cg.ini" || die "$CG_BIN under callgrind did not start"
		if [ $# -gt 0 ]; then
			ip netns exec "$NS_C" timeout -k 2 600 taskset -c "$CPU_C" ab -q "$@" \
				"http://$SRV_IP/" >"$WORK/ab-$name.txt" 2>&1
			grep -E "^(Complete|Failed) requests" "$WORK/ab-$name.txt" | sed 's/^/  ab: /'
		fi
		sleep "$idle"
		stop_server 120 # valgrind writes its profile on the way out
		[ -s "$out" ] || die "callgrind wrote no profile ($name run); see $WORK/cg-$name.log"
		IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
		PASSES=$(awk '$1 == "loop.loop_passes" { print $2 }' "$WORK/cg-$name.log")
		BUSY=$(awk '$1 == "loop.loop_busy_passes" { print $2 }' "$WORK/cg-$name.log")
		REQS=$(sed -n 's/.*; requests \([0-9]*\);.*/\1/p' "$WORK/cg-$name.log")
	}
	# cg_measure NAME BIN -- idle calibration, then the keep-alive run
	cg_measure() {
		local name=$1 idle_ir idle_passes idle_busy per_idle
		CG_BIN=$2
		say ""
		say "== callgrind, $name (net_af_packet): idle calibration, then ab -k -c 1 -n $CG_REQS"
		cg_run "$name-idle" 3
		idle_ir=$IR idle_passes=$PASSES idle_busy=${BUSY:-0}
		# The curl probe that saw the server up made a few passes busy: minor.
		per_idle=$(awk -v i="$idle_ir" -v p="$idle_passes" 'BEGIN { printf "%.1f", i / p }')
		say "  idle: $idle_ir instructions in $idle_passes passes ($idle_busy busy): $per_idle per pass"
		cg_run "$name-load" 0 -k -c 1 -n "$CG_REQS"
		say "  load: $IR instructions in $PASSES passes ($BUSY busy), $REQS requests served"
		awk -v ir="$IR" -v p="$PASSES" -v b="${BUSY:-0}" -v pi="$per_idle" -v r="$REQS" 'BEGIN {
			idle = (p - b) * pi
			printf "  => %.0f instructions per keep-alive request ", (ir - idle) / r
			printf "(%.0f including idle polling)\n", ir / r
		}'
	}
	cg_measure helloworld "$BIN"
	[[ $SKIP == *" co "* ]] || cg_measure co_http "$CO_BIN"
fi
say "   load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
