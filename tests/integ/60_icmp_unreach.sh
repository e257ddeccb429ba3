#!/bin/bash
# (e) A datagram to a closed port gets ICMP port unreachable: a connected
# Linux UDP socket's recv() fails with ECONNREFUSED.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish

if udp_check --closed 9999; then
	ok "ECONNREFUSED on a connected socket"
else
	fail "no port unreachable seen"
fi
if udp_check --closed 9998; then
	ok "ECONNREFUSED on a second closed port"
else
	fail "no port unreachable seen for port 9998"
fi
# And the echo port itself is open.
if udp_check --count 5 --window 1 --max 100 --timeout 2; then
	ok "port 7 answers"
else
	fail "port 7 does not answer"
fi
stop_fastack
expect_counter_ge udp.udps_noport 2
expect_counter_ge icmp.icps_error 2
finish
