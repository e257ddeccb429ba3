#!/bin/bash
# demo_http.sh: fastack serving HTTP/1.1 on a veth, queried with curl.
#
#   bash scripts/demo_http.sh      (as root; scripts/demo.sh calls it at its end)
#
# 1. builds examples/helloworld in $BUILD (default: build)
# 2. makes two network namespaces joined by a veth pair:
#       fsh-demo-a: fshda0, no address -- the DPDK net_af_packet vdev attaches
#                   here and fastack answers as 198.18.0.1
#       fsh-demo-b: fshdb0 198.18.0.2/24 -- plain Linux with curl
# 3. runs examples/helloworld (F-Stack's kqueue example, grown into an
#    HTTP/1.1 server) in fsh-demo-a and asks it, from fsh-demo-b:
#    GET / with curl -v; three requests on one keep-alive connection; a
#    1 MiB download checked by SHA-256; an upload hashed by the server
# 4. stops it with SIGTERM so that it prints its tallies and TCP counters
# 5. removes the namespaces and stops the program, also on failure.
# Takes about 5 seconds.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
NS_A=fsh-demo-a
NS_B=fsh-demo-b
WORK=$(mktemp -d /tmp/fsh-demo.XXXXXX)
PID=
STATUS=0

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; }
die() {
	echo "demo_http: $*" >&2
	exit 1
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

[ "$(id -u)" = 0 ] || die "run me as root (namespaces, DPDK)"
command -v curl >/dev/null || die "curl is missing (scripts/setup.sh installs it)"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" "$ROOT" >"$WORK/meson.log" 2>&1 || {
		cat "$WORK/meson.log"
		die "meson setup failed"
	}
fi
ninja -C "$BUILD" examples/helloworld >"$WORK/ninja.log" 2>&1 || {
	tail -40 "$WORK/ninja.log"
	die "build of examples/helloworld failed"
}

step "namespaces $NS_A (fastack) and $NS_B (Linux, curl) joined by a veth"
ip netns del "$NS_A" 2>/dev/null
ip netns del "$NS_B" 2>/dev/null
ip netns add "$NS_A" && ip netns add "$NS_B" || die "cannot create namespaces"
ip -n "$NS_A" link add fshda0 type veth peer name fshdb0 netns "$NS_B" || die "veth"
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.fshda0.disable_ipv6=1
ip netns exec "$NS_B" sysctl -qw net.ipv6.conf.fshdb0.disable_ipv6=1
ip -n "$NS_A" link set lo up
ip -n "$NS_B" link set lo up
ip -n "$NS_A" link set fshda0 up
# Linux computes its TCP checksums itself: over a veth a checksum left to
# offload would reach fastack unfinished.
ip netns exec "$NS_B" ethtool -K fshdb0 tx off >/dev/null
ip -n "$NS_B" addr add 198.18.0.2/24 dev fshdb0
ip -n "$NS_B" link set fshdb0 up
cat >"$WORK/http.ini" <<EOF
[dpdk]
lcore_mask=$([ "$(nproc)" -ge 2 ] && echo 0x2 || echo 0x1)
port_list=0
no_huge=1
eal_args=--no-pci --vdev=net_af_packet0,iface=fshda0

[port0]
addr=198.18.0.1
netmask=255.255.255.0
broadcast=198.18.0.255
EOF

step "start examples/helloworld (kqueue) in $NS_A"
show "ip netns exec $NS_A $BUILD/examples/helloworld --conf http.ini"
ip netns exec "$NS_A" timeout -k 5 60 "$BUILD/examples/helloworld" --conf "$WORK/http.ini" \
	>"$WORK/http.log" 2>&1 &
PID=$!
for _ in $(seq 200); do
	grep -q "listening on" "$WORK/http.log" && break
	kill -0 "$PID" 2>/dev/null || break
	sleep 0.05
done
grep -q "listening on" "$WORK/http.log" || {
	cat "$WORK/http.log"
	die "helloworld did not start"
}
sed 's/^/  | /' "$WORK/http.log"

curl_b() { ip netns exec "$NS_B" timeout 20 curl "$@"; }

step "GET / from $NS_B"
show "curl -v http://198.18.0.1/"
curl_b -sv --max-time 10 http://198.18.0.1/ 2>&1 | grep -E '^[<>]|^Hello' || STATUS=1

step "keep-alive: three requests, one connection"
show "curl -sv http://198.18.0.1/ http://198.18.0.1/bytes/20 http://198.18.0.1/nope"
curl_b -sv --max-time 10 http://198.18.0.1/ http://198.18.0.1/bytes/20 http://198.18.0.1/nope \
	-o /dev/null -o /dev/null -o /dev/null 2>&1 |
	grep -E '^\* (Connected|Re-using)|^< HTTP' || STATUS=1

step "a 1 MiB download, checked against the pattern it is made of"
show "curl -s http://198.18.0.1/bytes/1048576 | sha256sum"
got=$(curl_b -s --max-time 10 http://198.18.0.1/bytes/1048576 | sha256sum | cut -d' ' -f1)
want=$(python3 "$ROOT/tests/integ/http_check.py" pattern-sha 1048576)
echo "$got  (expected $want)"
[ "$got" = "$want" ] || STATUS=1

step "an upload: the server hashes the body"
show "echo 'hello, fastack' | curl -s --data-binary @- http://198.18.0.1/hash"
got=$(echo "hello, fastack" | curl_b -s --max-time 10 --data-binary @- http://198.18.0.1/hash)
want=$(echo "hello, fastack" | sha256sum | cut -d' ' -f1)
echo "$got  (sha256sum says $want)"
[ "$got" = "$want" ] || STATUS=1

step "stop helloworld (SIGTERM): its tallies and the TCP counters"
kill -TERM "$PID"
wait "$PID"
rc=$?
PID=
grep -E "^helloworld: |^tcp\.tcps_(accepts|closed|sndpack|rcvpack) " "$WORK/http.log" |
	sed 's/^/  | /'
[ $rc = 0 ] || STATUS=1
echo
[ $STATUS = 0 ] && echo "HTTP demo: all good" || echo "HTTP demo: SOMETHING FAILED"
exit $STATUS
