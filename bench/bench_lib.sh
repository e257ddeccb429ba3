# shellcheck shell=bash
# bench_lib.sh: what the HTTP benchmarks share (sourced by http_bench.sh and
# multicore_bench.sh after they set BENCH, TAG, SECS, CONNS, CPU_C and
# BENCH_KEEP): two namespaces joined by a veth, a server started and
# stopped in the server's, wrk from the client's, medians and ratios.
#
#   NS_S  $TAG-a, the server end fshs0 (no address: fastack answers as
#         198.18.0.1; a kernel server gets the address itself)
#   NS_C  $TAG-b, fshc0 198.18.0.2/24, TX checksum offload off (fastack
#         needs finished checksums from the Linux end: tests/integ/lib.sh)
NS_S=$TAG-a
NS_C=$TAG-b
IF_S=fshs0
IF_C=fshc0
SRV_IP=198.18.0.1
CLI_IP=198.18.0.2
WORK=$(mktemp -d "/tmp/fsh-$BENCH.XXXXXX")
PIDS=()

say() { printf '%s\n' "$*"; }
die() {
	say "$BENCH: $*" >&2
	exit 1
}

bench_cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

topo() {
	ip netns add "$NS_S" && ip netns add "$NS_C" || die "cannot create namespaces"
	ip -n "$NS_S" link set lo up
	ip -n "$NS_C" link set lo up
	ip -n "$NS_S" link add "$IF_S" type veth peer name "$IF_C" netns "$NS_C" || die "veth"
	ip netns exec "$NS_S" sysctl -qw "net.ipv6.conf.$IF_S.disable_ipv6=1"
	ip netns exec "$NS_C" sysctl -qw "net.ipv6.conf.$IF_C.disable_ipv6=1"
	ip netns exec "$NS_C" ethtool -K "$IF_C" tx off >/dev/null
	ip -n "$NS_C" addr add "$CLI_IP/24" dev "$IF_C"
	ip -n "$NS_S" link set "$IF_S" up
	ip -n "$NS_C" link set "$IF_C" up
}

# start_server NAME CMD... -- runs CMD in NS_S, waits until port 80 answers.
start_server() {
	local name=$1
	shift
	ip netns exec "$NS_S" "$@" >"$WORK/$name.log" 2>&1 &
	SPID=$!
	PIDS+=("$SPID")
	for _ in $(seq 200); do
		if ip netns exec "$NS_C" curl -s -m 1 -o /dev/null "http://$SRV_IP/" 2>/dev/null; then
			return 0
		fi
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/  | /' "$WORK/$name.log"
	return 1
}

# stop_server [SECONDS] -- SIGTERM, then SIGKILL after SECONDS (10)
stop_server() {
	kill -TERM "$SPID" 2>/dev/null
	for _ in $(seq $((${1:-10} * 10))); do
		kill -0 "$SPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

# wrk_rps NAME [wrk args] -- requests/s, or "failed"; any wrk error is shown.
wrk_rps() {
	local name=$1 out=$WORK/wrk-$1.txt
	shift
	# (the soft descriptor limit is raised for wrk's connections)
	ip netns exec "$NS_C" timeout -k 2 $((SECS + 30)) taskset -c "$CPU_C" \
		bash -c 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec wrk "$@"' wrk \
		-t1 -c"$CONNS" -d"${SECS}s" --timeout 5s "$@" "http://$SRV_IP/" >"$out" 2>&1
	if grep -Eq "Socket errors|Non-2xx" "$out"; then
		grep -E "Socket errors|Non-2xx" "$out" | sed "s/^/  $name: /" >&2
	fi
	awk '/^Requests\/sec:/ { printf "%.0f", $2; f = 1 } END { if (!f) printf "failed" }' "$out"
}

# median of the rounds ("failed" if any round failed)
median() {
	case " $* " in
	*" failed "*) echo failed ;;
	"  ") echo skipped ;;
	*) printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }' ;;
	esac
}

# ratio A B -- A / B as "1.23x", or "-" unless both are numbers
ratio() {
	case "$1$2" in
	*[!0-9]*) echo "-" ;;
	*) awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }' ;;
	esac
}
