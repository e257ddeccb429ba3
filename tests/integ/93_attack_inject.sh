#!/bin/bash
# Blind injection against examples/helloworld (kqueue) on net_af_packet.
# Legitimate clients: wrk (20 keep-alive connections, one run of 12 s, so its
# connections live throughout) and a curl downloading 64 MiB at 8 MiB/s.
# The attacker learns their 4-tuples (ss in the peer namespace) but not
# their sequence numbers, and for 8 s sends RSTs, RST|ACKs, SYNs, data,
# ACKs and FINs with random sequence and acknowledgment numbers at each of
# them (ATTACK_INJECT_PPS, 20,000/s times ATTACK_SCALE), with and without a
# timestamp option (random TSval), from the client's own address and MAC.  Checks: no connection lost (wrk 0 errors, the
# server saw no reset and no read error), the download completes and its
# SHA-256 is right, the injection reached the stack (RFC 5961 challenge ACKs
# or their rate limit counted), sockets balance at exit.
TAG=fsa-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
PPS=$(scaled "${ATTACK_INJECT_PPS:-20000}")
BYTES=$((64 << 20))
attack_server

log "blind injection at $PPS segments/s into live connections (wrk -c20, a curl download)"
WRK_SLICE=12 # one wrk run: its connections live throughout
wrk_start during 12 20
download_start "$BYTES" 8M
sleep 1.5
ports=$(ip netns exec "$NS_B" ss -Htn state established dst "$FS_IP:80" |
	awk '{ n = split($3, a, ":"); print a[n] }' | sort -n | tr '\n' ' ')
nports=$(echo "$ports" | wc -w)
if [ "$nports" -ge 21 ]; then
	ok "the attacker knows $nports live 4-tuples (198.18.0.2:port -> $FS_IP:80)"
else
	fail "only $nports live connections found (ports: $ports)"
fi
# shellcheck disable=SC2086 # one argument per port
attack_run 30 inject 8 "$PPS" $ports
wrk_check during
download_check
served_after

attack_stop '^tcp\.tcps_(rcvreset|drops|badrst|chalack.*|rstchallenge|synchallenge|rcvghostack|rcvacktoomuch|rcvpackafterwin|rcvduppack|pawsdrop|badsyn)$'
# wrk exits without reading its last answers, so Linux resets wrk's
# connections then: the resets and read errors the server saw are those.
expect_server_stat "eof mid-request" 0
expect_server_stat "write errors" 0
acks=$(($(counter tcp.tcps_chalack) + $(counter tcp.tcps_chalack_limited)))
if [ "$acks" -gt 0 ]; then
	ok "the injected segments reached the connections: $acks challenge ACKs sent or limited"
else
	fail "no challenge ACK counted: the injection did not reach the connections"
fi
expect_sockets_balanced
finish
