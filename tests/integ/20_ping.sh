#!/bin/bash
# (a) Linux ping gets every reply from fastack (net_af_packet on a veth),
# with small and with 1472-byte payloads (1500-byte IP packets, DF set).
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish

ping_check 50 56
ping_check 50 1472
ping_check 20 0
stop_fastack
expect_counter_ge icmp.icps_inhist_echo 120
expect_counter_ge icmp.icps_outhist_echoreply 120
finish
