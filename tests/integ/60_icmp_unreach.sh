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
# nc -u -z probes the same way (its exit status is 1 when refused).
if in_b nc -u -z -w 2 "$FS_IP" 9998 2>/dev/null && in_b nc -u -z -w 2 "$FS_IP" 9998 2>/dev/null; then
	fail "nc -u -z reports port 9998 open"
else
	ok "nc -u -z: port 9998 refused"
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
