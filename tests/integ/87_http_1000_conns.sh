#!/bin/bash
# 1,000 concurrent connections to examples/helloworld (kqueue) on
# net_af_packet.
# (1) Python asyncio opens 1,000 connections; each gets an answer while all
#     1,000 are open at once (the server's high-water mark must say 1000),
#     gets a second answer, and closes.  Then: no connection left open in
#     the server, every accepted connection closed by the stack (tcps_closed
#     = tcps_accepts: the clients closed first, so nothing waits in
#     TIME_WAIT), no drop counter moved, sockets balanced.
# (2) wrk keeps 1,000 keep-alive connections busy for 5 s with zero errors.
#     wrk exits without reading its last responses, so Linux resets its
#     connections: a RST is never retransmitted, so the server's idle timer
#     (2 s here) is the backstop; the test reports how many it had to reap
#     and fails above 1%.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld
N=${HTTP_CONNS:-1000}
need_bin "$BIN"
need_tools wrk python3
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
# Each client connection takes a descriptor: lift the soft limit (1024 by
# default) to the hard one.
RAISE='h=$(ulimit -Hn); [ "$h" = unlimited ] && h=65536; ulimit -n "$h"'

check_server() {
	local max
	grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
	show_counters '^tcp\.tcps_(accepts|closed|drops|sc_added|sc_completed|listendrop)$'
	max=$(sed -n 's/.* max \([0-9]*\);.*/\1/p' "$FS_LOG")
	if [ "${max:-0}" -ge "$N" ]; then
		ok "server: $max connections open at once"
	else
		fail "server: at most ${max:-?} connections open at once, expected $N"
	fi
	expect_server_stat open 0
	expect_server_stat "eof mid-request" 0
	expect_server_stat "accept errors" 0
	expect_counter_eq tcp.tcps_sc_completed "$(counter tcp.tcps_sc_added)"
	expect_no_drops
	expect_sockets_balanced
}

log "(1) $N connections from Python asyncio, all open at once, closed by the client"
FASTACK_HTTP_PORT=80 start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish
if ip netns exec "$NS_B" timeout -k 2 120 taskset -c "$FASTACK_PYCPU" \
	bash -c "$RAISE"' && exec python3 "$0" conns "$1" 80 "$2"' "$HTTP_PY" "$FS_IP" "$N"; then
	ok "$N concurrent connections (asyncio)"
else
	fail "$N concurrent connections (asyncio)"
fi
sleep 0.5 # the clients' last FINs and ACKs
stop_fastack
check_server
expect_server_stat timeouts 0
expect_counter_eq tcp.tcps_closed "$(counter tcp.tcps_accepts)"
expect_counter_eq tcp.tcps_drops 0

log "(2) wrk -c$N for 5 s"
FASTACK_HTTP_PORT=80 FASTACK_HTTP_IDLE_MS=2000 \
	start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish
out=$WORK/wrk.txt
ip netns exec "$NS_B" timeout -k 2 60 taskset -c "$FASTACK_PYCPU" \
	bash -c "$RAISE"' && exec wrk -t1 -c"$0" -d5s --timeout 5s "$1"' "$N" "http://$FS_IP/" \
	>"$out" 2>&1
if grep -q "^Requests/sec" "$out" && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
	ok "wrk -c$N: $(awk '/^Requests\/sec:/ { print $2 }' "$out") requests/s, 0 errors"
else
	fail "wrk -c$N:"
	sed 's/^/    | /' "$out"
fi
sleep 3.5 # FINs and RSTs of wrk's exit; the 2 s idle timer for any RST lost
stop_fastack
check_server
reaped=$(server_stat timeouts)
if [ "${reaped:-0}" -le $((N / 100)) ]; then
	ok "connections whose reset never arrived (reaped by the idle timer): ${reaped:-0}"
else
	fail "$reaped connections never saw wrk's reset (lost in the af_packet ring?)"
fi
finish
