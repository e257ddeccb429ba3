#!/bin/bash
# soak.sh: a long run of mixed traffic and attacks against fastack, then the
# checks that show nothing leaked.  Not part of .ci/run (it runs for as long
# as it is asked to); run as root, on a build with the examples:
#
#   SOAK_SECONDS=3600 BUILD=build bash scripts/soak.sh
#
# Topology (tests/integ/lib.sh): namespaces fsk-<pid>-a and -b joined by two
# veth pairs.  examples/helloworld (kqueue) answers as 198.18.0.1 on the
# first with the stack's fault injection on (SOAK_FAULTS, [port0]
# fault_* keys) and the default pool (nb_mbufs=8191); examples/udp_echo_kqueue
# answers as 198.18.1.1 on the second (idle_sleep, so the two programs can
# share fastack's cpu).  For SOAK_SECONDS, from the Linux peer:
#
#   - wrk, keep-alive (50 connections) and "Connection: close" (10), in 10 s
#     runs, one after the other, each kind in its own loop;
#   - UDP echo: tests/integ/udp_check.py, 2,000 datagrams per run;
#   - large downloads: curl GET /bytes/N (SOAK_DOWNLOAD, 256 MiB), each
#     checked by its SHA-256;
#   - the attacks of tests/integ/attack.py in rotation (out-of-order
#     pinning, non-reading clients, SYN flood, blind injection, malformed
#     frames, idle clients), each followed by a recovery check: how long
#     until a new curl is answered (at most 10 s is waited).
#
# The server's RSS is sampled every 5 s.  At the end the traffic stops, the
# server is given its idle timer and 2 MSL to close what is left, a last
# curl and ping must be answered, and the server is stopped.  Checks: every
# socket the program created was closed (so_created = so_closed) and no
# connection was open when it stopped (no connection or descriptor leaked);
# the RSS of the second half of the run no higher than that of the first
# half plus SOAK_RSS_SLACK_KIB (4096); every attack recovered; every
# download's hash right; the packet pool never emptied during the run and
# every buffer back when the server stops (its "pool:" line, from
# ff_pool_info; pool_check in tests/integ/attack_lib.sh).
#
# Prints a report (also written to SOAK_REPORT, default
# $BUILD/soak-report.txt) and exits non-zero if a check failed.
TAG=fsk-$$
TNAME=soak
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
SECS=${SOAK_SECONDS:-600}
FAULTS=${SOAK_FAULTS:-fault_loss=0.002 fault_dup=0.002 fault_reorder=0.002 fault_corrupt=0.0005}
DL=${SOAK_DOWNLOAD:-268435456}
SLACK=${SOAK_RSS_SLACK_KIB:-4096}
REPORT=${SOAK_REPORT:-$BUILD/soak-report.txt}
IDLE_MS=5000
BIN=$BUILD/examples/helloworld
ECHO=$BUILD/examples/udp_echo_kqueue
need_bin "$BIN" "$ECHO"
need_tools wrk curl ss
need_root_netns
RAISE='h=$(ulimit -Hn); [ "$h" = unlimited ] && h=65536; ulimit -n "$h"'

topo_veth || { fail "topology"; finish; }
ip -n "$NS_A" link add fsia1 type veth peer name fsib1 netns "$NS_B" || { fail "topology"; finish; }
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.fsia1.disable_ipv6=1
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.fsib1.disable_ipv6=1
ip netns exec "$NS_B" ethtool -K fsib1 tx off >/dev/null
ip -n "$NS_B" addr add 198.18.1.2/24 dev fsib1
ip -n "$NS_A" link set fsia1 up
ip -n "$NS_B" link set fsib1 up

# The UDP echo server first (its own pool and EAL file prefix).
cat >"$WORK/echo.ini" <<EOF
[dpdk]
lcore_mask=$(printf '0x%x' $((1 << FASTACK_LCORE)))
port_list=0
no_huge=1
idle_sleep=100
eal_args=--no-pci --vdev=net_af_packet1,iface=fsia1,framecnt=4096
[port0]
addr=198.18.1.1
netmask=255.255.255.0
EOF
start_fastack udp_echo "$ECHO" "$WORK/echo.ini" $((SECS + 300)) || finish
ECHO_PID=$FS_PID ECHO_LOG=$FS_LOG
# shellcheck disable=SC2086 # one key per word
write_conf "$WORK/fastack.ini" "$(fs_vdev)" $FAULTS fault_seed=$$ \
	"[freebsd.sysctl]" "net.inet.tcp.msl=1000"
FASTACK_HTTP_IDLE_MS=$IDLE_MS start_fastack helloworld "$BIN" "$WORK/fastack.ini" \
	$((SECS + 300)) || finish
T0=$(date +%s)
END=$((T0 + SECS))
log "soak: $SECS s of mixed traffic and attacks; faults: $FAULTS"

# RSS samples: "seconds-since-start KiB".
(while [ "$(date +%s)" -lt "$END" ]; do
	echo "$(($(date +%s) - T0)) $(rss_kib)"
	sleep 5
done) >"$WORK/rss.txt" &
SAMPLER=$!

# loop NAME CMD... -- runs CMD in NS_B again and again until END, one line
# per run in $WORK/NAME.runs: "rc".
traffic() {
	local name=$1
	shift
	(while [ "$(date +%s)" -lt $((END - 12)) ]; do
		"$@" >>"$WORK/$name.out" 2>&1
		echo "$?" >>"$WORK/$name.runs"
	done) &
	TRAFFIC+=($!)
}
TRAFFIC=()
in_b_cpu() { ip netns exec "$NS_B" timeout -k 2 120 taskset -c "$FASTACK_PYCPU" "$@"; }
wrk_run() { # conns [args]
	local c=$1
	shift
	in_b_cpu wrk -t1 -c"$c" -d10s --timeout 5s "$@" "http://$FS_IP/" | tee -a "$WORK/wrk.all" |
		awk '/^Requests\/sec:/ { r = $2 } /Socket errors|Non-2xx/ { e = 1 }
			END { exit !(r > 0 && !e) }'
}
download() {
	local got
	got=$(in_b_cpu curl -s --max-time 100 "http://$FS_IP/bytes/$DL" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$WANT_SHA" ]
}
udp_run() {
	in_b_cpu "$PYTHON_UDP" "$HERE/udp_check.py" --dst 198.18.1.1 --count 2000 --window 16 \
		--deadline 60
}
PYTHON_UDP=$(command -v python3)
WANT_SHA=$(pattern_sha "$DL")
traffic wrk-keepalive wrk_run 50
traffic wrk-close wrk_run 10 -H "Connection: close"
traffic download download
traffic udp udp_run

# recovered NAME -- seconds until a new curl is answered (<= 10), appended
# to the attack log; "never" otherwise.
recovered() {
	local t0 t
	t0=$(date +%s.%N)
	for _ in $(seq 20); do
		if [ "$(in_b_cpu curl -s --max-time 0.5 "http://$FS_IP/")" = "Hello from fastack" ]; then
			t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
			echo "$1 recovered $t"
			return 0
		fi
	done
	echo "$1 recovered never"
}
attack_round() {
	local kind=$1 ports
	case $kind in
	ooo) attack 60 ooo 100 100 50000 3 ;;
	noread) ip netns exec "$NS_B" timeout -k 2 60 taskset -c "$FASTACK_PYCPU" bash -c \
		"$RAISE"'; exec "$@"' sh "$ATTACK_PY" "$ATTACK_PYFILE" "$IF_B" noread "$FS_IP" 1024 \
		"$GiB" 8 ;;
	synflood) attack 30 synflood "$FS_IP" 50000 8 ;;
	inject)
		ports=$(ip netns exec "$NS_B" ss -Htn state established dst "$FS_IP:80" |
			awk '{ n = split($3, a, ":"); print a[n] }' | sort -un | head -200 | tr '\n' ' ')
		# shellcheck disable=SC2086 # one argument per port
		[ -n "$ports" ] && attack 30 inject 8 20000 $ports
		;;
	malformed) attack 60 malformed 4000 ;;
	idle) ip netns exec "$NS_B" timeout -k 2 60 taskset -c "$FASTACK_PYCPU" bash -c \
		"$RAISE"'; exec "$@"' sh "$ATTACK_PY" "$ATTACK_PYFILE" "$IF_B" idle "$FS_IP" 2000 5 ;;
	esac
}
KINDS=(ooo noread synflood inject malformed idle)
i=0
while [ $(($(date +%s) + 30)) -lt "$END" ]; do
	kind=${KINDS[$((i % ${#KINDS[@]}))]}
	i=$((i + 1))
	echo "== $(($(date +%s) - T0)) s: $kind" >>"$WORK/attacks.out"
	attack_round "$kind" >>"$WORK/attacks.out" 2>&1
	echo "$kind rc $?" >>"$WORK/attacks.log"
	recovered "$kind" >>"$WORK/attacks.log"
	sleep 5
done
wait "${TRAFFIC[@]}"
wait "$SAMPLER"
# The idle timer, 2 MSL (msl=1000 ms) and the retransmissions of the faults.
sleep $((IDLE_MS / 1000 + 5))

# ---- checks and report ----
{
	echo "fastack soak: $SECS s, $(date -u +%FT%TZ), faults: $FAULTS"
	echo
	echo "traffic (runs: all / good):"
	for n in wrk-keepalive wrk-close download udp; do
		printf '  %-14s %5d / %d\n' "$n" "$(wc -l <"$WORK/$n.runs" 2>/dev/null || echo 0)" \
			"$(grep -c '^0$' "$WORK/$n.runs" 2>/dev/null)"
	done
	awk '/^Requests\/sec:/ { n++; s += $2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
		END { if (n) printf "  wrk requests/s over %d runs: min %.0f mean %.0f max %.0f\n", n, min, s / n, max }' \
		"$WORK/wrk.all"
	echo
	echo "attacks (kind, rounds, recovered within 10 s, slowest recovery in s):"
	awk '$2 == "recovered" { n[$1]++; if ($3 != "never") { ok[$1]++; if ($3 > mx[$1]) mx[$1] = $3 } }
		END { for (k in n) printf "  %-10s %3d %3d  %s\n", k, n[k], ok[k], mx[k] }' \
		"$WORK/attacks.log" | sort
	echo
	awk 'NF == 2 && $2 > 0 { n++; t[n] = $1; v[n] = $2 }
		END {
			h = int(n / 2); m1 = 0; m2 = 0
			for (i = 1; i <= h; i++) if (v[i] > m1) m1 = v[i]
			for (i = h + 1; i <= n; i++) if (v[i] > m2) m2 = v[i]
			printf "server RSS: %d samples; first %d KiB, max of first half %d KiB, max of second half %d KiB, last %d KiB\n", n, v[1], m1, m2, v[n]
		}' "$WORK/rss.txt"
} >"$WORK/report.txt"

got=$(in_b_cpu curl -s --max-time 5 "http://$FS_IP/")
[ "$got" = "Hello from fastack" ] || fail "at the end: curl GET / got '$got'"
ping_check 5 56
stop_fastack
FS_PID=$ECHO_PID FS_LOG=$ECHO_LOG stop_fastack
FS_LOG=$WORK/helloworld.log
{
	echo
	echo "server at exit:"
	grep -E "helloworld: (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/  /'
	awk '$1 ~ /^(socket\.|tcp\.tcps_(accepts|closed|drops|timeoutdrop|persisttimeo|snderr|rcvmemdrop|reassfull)$|port\.fault|.*(pool|mbuf))/ && $2 ~ /^[0-9]+$/ {
		printf "  %-30s %s\n", $1, $2 }' "$FS_LOG"
} >>"$WORK/report.txt"

never=$(grep -c "recovered never" "$WORK/attacks.log")
[ "$never" -eq 0 ] || fail "$never attack rounds after which the server did not answer within 10 s"
dls=$(wc -l <"$WORK/download.runs" 2>/dev/null || echo 0)
[ "$(grep -vc '^0$' "$WORK/download.runs")" -eq 0 ] && [ "$dls" -gt 0 ] ||
	fail "downloads: $(grep -c '^0$' "$WORK/download.runs") of $dls good"
expect_sockets_balanced
expect_server_stat open 0
if ldd "$BIN" | grep -q libasan; then
	log "server RSS not compared: an ASan build (its quarantine holds freed memory)"
elif awk -v s="$SLACK" 'NF == 2 && $2 > 0 { n++; v[n] = $2 }
	END { h = int(n / 2); for (i = 1; i <= h; i++) if (v[i] > a) a = v[i]
		for (i = h + 1; i <= n; i++) if (v[i] > b) b = v[i]
		exit !(n >= 4 && b <= a + s) }' "$WORK/rss.txt"; then
	ok "server RSS flat: the second half's peak within $SLACK KiB of the first half's"
else
	fail "server RSS grew (or too few samples): see the report"
fi
# The pool (printed at stop once every connection has gone): never emptied,
# every buffer back.
pool_check
[ -n "$POOL" ] && echo "  $POOL" >>"$WORK/report.txt"
cat "$WORK/report.txt"
echo
echo "result: $([ "$FAILS" -eq 0 ] && echo PASS || echo "FAIL ($FAILS checks)")"
cp "$WORK/report.txt" "$REPORT" 2>/dev/null
finish
