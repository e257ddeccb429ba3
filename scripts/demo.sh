#!/bin/bash
# demo.sh: fastack answering ping and UDP on a veth, start to finish.
#
#   bash scripts/demo.sh          (as root on Debian 12)
#
# 1. scripts/setup.sh (packages, hugepages; skip with FASTACK_SKIP_SETUP=1)
# 2. builds examples/udp_echo in $BUILD (default: build)
# 3. makes two network namespaces joined by a veth pair:
#       fsd-a: fsda0, no address, IPv6 off -- the DPDK net_af_packet vdev
#              attaches here and fastack answers as 198.18.0.1
#       fsd-b: fsdb0 198.18.0.2/24       -- plain Linux, the peer
# 4. runs examples/udp_echo in fsd-a, pings it and exchanges UDP datagrams
#    with it from fsd-b, then stops it with SIGTERM so that it prints the
#    stack's counters
# 5. removes the namespaces and stops the program, also on failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
NS_A=fsd-a
NS_B=fsd-b
WORK=$(mktemp -d /tmp/fsd-demo.XXXXXX)
PID=
STATUS=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		sleep 2
		kill -KILL "$PID" 2>/dev/null
	fi
	[ -n "$PID" ] && wait "$PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "demo: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "run me as root (namespaces, DPDK)"
start=$(date +%s)

if [ "${FASTACK_SKIP_SETUP:-0}" != 1 ]; then
	step "setup"
	bash "$ROOT/scripts/setup.sh" || die "setup failed"
fi

step "build examples/udp_echo"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" >"$WORK/meson.log" 2>&1 || {
		cat "$WORK/meson.log"
		die "meson setup failed"
	}
fi
ninja -C "$BUILD" examples/udp_echo >"$WORK/ninja.log" 2>&1 || {
	tail -40 "$WORK/ninja.log"
	die "build failed"
}
echo "built $BUILD/examples/udp_echo"

step "network namespaces $NS_A (fastack) and $NS_B (Linux) joined by a veth"
ip netns del "$NS_A" 2>/dev/null
ip netns del "$NS_B" 2>/dev/null
{ ip netns add "$NS_A" && ip netns add "$NS_B"; } || die "cannot create namespaces"
ip -n "$NS_A" link add fsda0 type veth peer name fsdb0 netns "$NS_B" || die "veth"
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.fsda0.disable_ipv6=1
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.fsdb0.disable_ipv6=1
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" link set fsda0 up
# The Linux end computes its checksums itself: over a veth a checksum left
# to offload would reach fastack incomplete (fastack would drop it as bad).
ip netns exec "$NS_B" ethtool -K fsdb0 tx off >/dev/null
ip -n "$NS_B" addr add 198.18.0.2/24 dev fsdb0
ip -n "$NS_B" link set fsdb0 up
ip -n "$NS_A" -br link show fsda0
ip -n "$NS_B" -br addr show fsdb0

# Hugepages when setup could reserve them, else the EAL runs without.
NO_HUGE=1
free_hp=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
if [ "${free_hp:-0}" -ge 64 ] && grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	NO_HUGE=0
fi
cat >"$WORK/demo.ini" <<EOF
; fastack configuration (see docs/config.md)
[dpdk]
lcore_mask=$([ "$(nproc)" -ge 2 ] && echo 0x2 || echo 0x1)
port_list=0
no_huge=$NO_HUGE
eal_args=--no-pci --vdev=net_af_packet0,iface=fsda0

[port0]
addr=198.18.0.1
netmask=255.255.255.0
broadcast=198.18.0.255
EOF
step "configuration"
cat "$WORK/demo.ini"

step "start examples/udp_echo in $NS_A"
echo "\$ ip netns exec $NS_A $BUILD/examples/udp_echo --conf demo.ini"
ip netns exec "$NS_A" timeout -k 5 60 "$BUILD/examples/udp_echo" --conf "$WORK/demo.ini" \
	>"$WORK/echo.log" 2>&1 &
PID=$!
for _ in $(seq 200); do
	grep -q "listening on" "$WORK/echo.log" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.05
done
if ! grep -q "listening on" "$WORK/echo.log"; then
	cat "$WORK/echo.log"
	die "udp_echo did not start"
fi
sed 's/^/  | /' "$WORK/echo.log"

step "ping from $NS_B"
run ip netns exec "$NS_B" timeout 10 ping -n -c 3 -i 0.2 -W 2 198.18.0.1 || STATUS=1
run ip netns exec "$NS_B" timeout 10 ping -n -c 3 -i 0.2 -W 2 -s 1472 -M "do" 198.18.0.1 || STATUS=1

step "Linux's neighbour table in $NS_B has fastack's MAC"
run ip -n "$NS_B" neigh show 198.18.0.1
echo "(fsda0 is $(ip -n "$NS_A" -o link show fsda0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'))"

step "UDP echo (port 7) from $NS_B"
echo '$ echo "hello, fastack" | nc -u -w 1 198.18.0.1 7'
reply=$(echo "hello, fastack" | ip netns exec "$NS_B" timeout 5 nc -u -w 1 198.18.0.1 7)
echo "$reply"
[ "$reply" = "hello, fastack" ] || STATUS=1
ip netns exec "$NS_B" timeout 10 python3 - <<'EOF' || STATUS=1
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("198.18.0.1", 7))
bad = 0
for size in (1, 100, 1000, 1472):
    msg = bytes((i * 7 + size) & 0xFF for i in range(size))
    s.send(msg)
    r = s.recv(2048)
    same = r == msg
    bad += not same
    print(f"python3: sent {size:4} bytes, got {len(r):4} back, identical: {same}")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("198.18.0.1", 9))
s.send(b"anyone on port 9?")
try:
    s.recv(100)
    print("python3: port 9 answered?!")
    bad += 1
except ConnectionRefusedError:
    print("python3: port 9 is closed: ICMP port unreachable -> ECONNREFUSED")
raise SystemExit(1 if bad else 0)
EOF

step "stop udp_echo (SIGTERM): its tallies and the stack's counters"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
grep -v "listening on" "$WORK/echo.log" | sed 's/^/  | /'
[ $rc = 0 ] || STATUS=1

# HTTP: examples/helloworld answering curl (its own namespaces; ~2 s).
step "HTTP server (scripts/demo_http.sh)"
BUILD=$BUILD bash "$ROOT/scripts/demo_http.sh" || STATUS=1

step "done in $(($(date +%s) - start)) s: $([ $STATUS = 0 ] && echo "all good" || echo "SOMETHING FAILED")"
exit $STATUS
