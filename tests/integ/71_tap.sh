#!/bin/bash
# (g) The same ping and UDP checks with fastack on net_tap: the PMD creates
# a TAP interface fsitap0 in fastack's namespace, the kernel end gets
# 198.18.0.2/24, and Linux talks to fastack from that same namespace.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_single || { fail "namespace"; finish; }
write_conf "$WORK/fastack.ini" "net_tap0,iface=fsitap0"
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish
ip netns exec "$NS_A" sysctl -qw net.ipv6.conf.fsitap0.disable_ipv6=1
# net_tap gives the kernel end the port's own MAC; a peer with our MAC is
# refused (arp.arp_badsender), so the kernel end gets an address of its own.
if ! ip -n "$NS_A" link set fsitap0 address 02:00:c6:12:00:02 ||
	! ip -n "$NS_A" addr add "$PEER_IP/24" dev fsitap0 || ! ip -n "$NS_A" link set fsitap0 up; then
	fail "cannot configure fsitap0"
fi
NS_B=$NS_A # the Linux side lives in the same namespace here
ping_check 20 56
ping_check 20 1472
if udp_check --count 10000 --window 32 --min 1 --max 1472 --timeout 2; then
	ok "10000 datagrams echoed byte-identical over tap"
else
	fail "UDP echo check over tap"
fi
if udp_check --closed 9999; then
	ok "ICMP port unreachable over tap"
else
	fail "no port unreachable over tap"
fi
stop_fastack
show_counters '^(port\.|udp\.udps_(delivered|opackets))'
expect_counter_ge udp.udps_delivered 10000
finish
