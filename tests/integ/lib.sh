# lib.sh: helpers shared by the integration tests (sourced, bash).
#
# A test builds a two-namespace topology, starts a fastack example in one
# namespace on a DPDK virtual device over a veth, drives it from Linux in the
# other, stops it with SIGTERM (the example then prints its counters), and
# checks what it saw.  Everything it starts or creates is undone by the EXIT
# trap, also when the test fails or is interrupted.
#
#   NS_A  fsi-<tag>-a   fastack's side: the veth end fsia0 (no IP address,
#                       IPv6 off) that the DPDK vdev attaches to
#   NS_B  fsi-<tag>-b   the Linux peer: fsib0 198.18.0.2/24
#   fastack answers as 198.18.0.1 (the kernel never owns that address).
#
# Environment: BUILD (build directory with examples/), INTEG_LOG (optional
# directory where the logs are kept), FASTACK_LCORE (lcore for fastack,
# default 1 on a machine with 2+ cores), FASTACK_PYCPU (cpu for the Linux-side
# clients, default 0).

set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
TNAME=${TNAME:-$(basename "$0" .sh)}
TAG=${TAG:-fsi-$$}
NS_A=$TAG-a
NS_B=$TAG-b
IF_A=fsia0
IF_B=fsib0
FS_IP=198.18.0.1
PEER_IP=198.18.0.2
WORK=$(mktemp -d /tmp/fsi-"$TNAME".XXXXXX)
NPROC=$(nproc 2>/dev/null || echo 1)
if [ "$NPROC" -ge 2 ]; then
	FASTACK_LCORE=${FASTACK_LCORE:-1}
	FASTACK_PYCPU=${FASTACK_PYCPU:-0}
else
	FASTACK_LCORE=${FASTACK_LCORE:-0}
	FASTACK_PYCPU=${FASTACK_PYCPU:-0}
fi
PIDS=()
NSES=()
FAILS=0

log() { printf '  %s\n' "$*"; }
fail() {
	printf '  FAIL: %s\n' "$*"
	FAILS=$((FAILS + 1))
}
ok() { printf '  ok: %s\n' "$*"; }

# Skips the test (exit 77) unless we are root and can make namespaces.
need_root_netns() {
	if [ "$(id -u)" != 0 ]; then
		echo "  skip: needs root"
		exit 77
	fi
	if ! ip netns add "$TAG-probe" 2>/dev/null; then
		echo "  skip: cannot create network namespaces"
		exit 77
	fi
	ip netns del "$TAG-probe"
}

need_bin() {
	local b
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			echo "  FAIL: $b not built (BUILD=$BUILD)"
			exit 1
		fi
	done
}

cleanup() {
	local p i
	for p in "${PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			for i in $(seq 50); do
				kill -0 "$p" 2>/dev/null || break
				sleep 0.1
			done
			kill -KILL "$p" 2>/dev/null
		fi
		wait "$p" 2>/dev/null
	done
	for p in "${NSES[@]}"; do
		ip netns del "$p" 2>/dev/null
	done
	if [ -n "${INTEG_LOG:-}" ]; then
		mkdir -p "$INTEG_LOG/$TNAME"
		cp -r "$WORK"/. "$INTEG_LOG/$TNAME"/ 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Creates NS_A and NS_B joined by a veth pair (fsia0 in A, fsib0 in B).
topo_veth() {
	ip netns add "$NS_A" || return 1
	NSES+=("$NS_A")
	ip netns add "$NS_B" || return 1
	NSES+=("$NS_B")
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link add "$IF_A" type veth peer name "$IF_B" netns "$NS_B" || return 1
	# fastack owns the A end: no IPv6 chatter, no address, the kernel
	# never answers for 198.18.0.1.  The Linux peer is quiet on IPv6 too.
	ip netns exec "$NS_A" sysctl -qw "net.ipv6.conf.$IF_A.disable_ipv6=1"
	ip netns exec "$NS_B" sysctl -qw "net.ipv6.conf.$IF_B.disable_ipv6=1"
	# A veth hands frames over with the checksum the sender left to
	# offload still partial (pseudo-header only), and net_af_packet/af_xdp
	# pass that on as it is: the stack would rightly drop such UDP/TCP
	# as udps_badsum.  A NIC on a wire computes it; here the Linux peer
	# must, so its TX checksum offload is turned off.
	ip netns exec "$NS_B" ethtool -K "$IF_B" tx off >/dev/null || return 1
	ip -n "$NS_B" addr add "$PEER_IP/24" dev "$IF_B" || return 1
	ip -n "$NS_A" link set "$IF_A" up || return 1
	ip -n "$NS_B" link set "$IF_B" up || return 1
}

# Just the namespace for fastack (net_tap makes its own interface).
topo_single() {
	ip netns add "$NS_A" || return 1
	NSES+=("$NS_A")
	ip -n "$NS_A" link set lo up
}

mac_of() { # ns ifname
	ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# write_conf FILE VDEV [extra lines for [port0]...] -- writes a config for
# fastack on one DPDK vdev with address 198.18.0.1/24.
write_conf() {
	local file=$1 vdev=$2
	shift 2
	local mask
	mask=${FASTACK_MASK:-$(printf '0x%x' $((1 << FASTACK_LCORE)))}
	{
		echo "# written by tests/integ ($TNAME)"
		echo "[dpdk]"
		echo "lcore_mask=$mask"
		echo "port_list=0"
		echo "no_huge=1"
		echo "nb_mbufs=8191"
		echo "eal_args=--no-pci --vdev=$vdev"
		echo "ctl_dir=$WORK/ctl"
		echo ""
		echo "[port0]"
		echo "addr=$FS_IP"
		echo "netmask=255.255.255.0"
		echo "broadcast=198.18.0.255"
		local l
		for l in "$@"; do
			echo "$l"
		done
	} >"$file"
}

# start_fastack NAME BIN CONF [seconds] -- starts BIN in NS_A, waits until it
# says "listening"; sets FS_PID and FS_LOG.  Returns 1 if it died or never
# got ready (its log is printed).
start_fastack() {
	local name=$1 bin=$2 conf=$3 secs=${4:-120} i
	FS_LOG=$WORK/$name.log
	ip netns exec "$NS_A" timeout -k 5 "$secs" "$bin" --conf "$conf" >"$FS_LOG" 2>&1 &
	FS_PID=$!
	PIDS+=("$FS_PID")
	for i in $(seq 300); do
		if grep -q "listening on" "$FS_LOG" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$FS_PID" 2>/dev/null; then
			break
		fi
		sleep 0.05
	done
	fail "$name did not start; its output:"
	sed 's/^/    | /' "$FS_LOG"
	return 1
}

# stop_fastack -- SIGTERM, then wait (10 s at most) for the counters; returns
# the program's exit status (non-zero if it had to be killed).
stop_fastack() {
	local rc
	kill -TERM "$FS_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$FS_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$FS_PID" 2>/dev/null; then
		fail "fastack did not stop on SIGTERM within 10 s; killing it"
		kill -KILL "$FS_PID" 2>/dev/null
	fi
	wait "$FS_PID"
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "fastack exited with status $rc; its output:"
		sed 's/^/    | /' "$FS_LOG"
	fi
	return $rc
}

# counter NAME -- a counter from the printout of the stopped program (0 when
# absent: ff_stats_print prints only non-zero counters).
counter() {
	awk -v n="$1" '$1 == n { v = $2 } END { print v + 0 }' "$FS_LOG"
}

# show_counters PATTERN -- prints the counters matching an awk regex.
show_counters() {
	awk -v re="$1" '$1 ~ re && $2 ~ /^[0-9]+$/ { printf "    %-28s %s\n", $1, $2 }' "$FS_LOG"
}

expect_counter_ge() { # name min
	local v
	v=$(counter "$1")
	if [ "$v" -ge "$2" ]; then
		ok "$1 = $v (>= $2)"
	else
		fail "$1 = $v, expected >= $2"
	fi
}

expect_counter_eq() { # name value
	local v
	v=$(counter "$1")
	if [ "$v" -eq "$2" ]; then
		ok "$1 = $v"
	else
		fail "$1 = $v, expected $2"
	fi
}

# in_b CMD... -- runs a Linux command in the peer namespace, with a timeout.
in_b() {
	ip netns exec "$NS_B" timeout -k 2 60 "$@"
}

# udp_check ARGS... -- the Python echo checker, run in NS_B.
udp_check() {
	ip netns exec "$NS_B" timeout -k 2 120 taskset -c "$FASTACK_PYCPU" \
		python3 "$HERE/udp_check.py" "$@"
}

# ping_check COUNT SIZE [ns] -- pings 198.18.0.1, expects every reply.
ping_check() {
	local count=$1 size=$2 ns=${3:-$NS_B} out
	out=$(ip netns exec "$ns" timeout 60 ping -n -q -c "$count" -i 0.02 -W 2 -s "$size" \
		-M "do" "$FS_IP" 2>&1)
	if echo "$out" | grep -q " $count received, 0% packet loss"; then
		ok "ping -s $size: $count/$count replies ($(echo "$out" | sed -n 's/^rtt.*= //p'))"
	else
		fail "ping -s $size x $count:"
		echo "$out" | sed 's/^/    | /'
	fi
}

# fsctl ARGS... -- the fastack command against this test's stack (its
# control socket is in $WORK/ctl: write_conf's ctl_dir).
fsctl() {
	"$BUILD/tools/fastack" -d "$WORK/ctl" "$@"
}

# ctl_until SECS JQ_EXPR ARGS... -- polls `fastack --json ARGS` (every 50 ms)
# until the jq expression is true for its answer or SECS pass; 0 when it
# held, 1 (with the last answer in $CTL_LAST) when the deadline passed.
# Example: ctl_until 5 '.totals["tcp.tcps_accepts"] >= 10' stat
ctl_until() {
	local secs=$1 expr=$2 end
	shift 2
	end=$(($(date +%s%N) + secs * 1000000000))
	while :; do
		CTL_LAST=$(fsctl --json "$@" 2>&1)
		if printf '%s' "$CTL_LAST" | jq -e "$expr" >/dev/null 2>&1; then
			return 0
		fi
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

# ctl_wait_closed SECS -- polls until the application has closed every TCP
# connection it had (each one left is orphaned: LAST_ACK, TIME_WAIT, ...),
# e.g. before stop_fastack when the server's "open 0" is checked; 1 (with a
# FAIL naming what is left) when SECS pass first.
ctl_wait_closed() {
	ctl_until "$1" '[.tcp[] | select(.state != "LISTEN" and .orphan == 0)] | length == 0' \
		ss -ta && return 0
	fail "connections still open after $1 s: $(printf '%s' "$CTL_LAST" |
		jq -c '[.tcp[] | select(.state != "LISTEN" and .orphan == 0) | .state]' 2>&1)"
	return 1
}

# ctl_counter NAME -- a counter of the running stack, summed over its stacks.
ctl_counter() {
	fsctl --json stat | jq -r --arg n "$1" '.totals[$n] // 0'
}

finish() {
	if [ "$FAILS" -gt 0 ]; then
		exit 1
	fi
	exit 0
}
