#!/bin/bash
# (g) The same ping and UDP checks with fastack on net_af_xdp over the veth
# (an XDP program steers every frame of fsia0 to fastack's AF_XDP socket).
# Skipped (77) when the PMD cannot be brought up on this kernel.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_xdp0,iface=$IF_A,start_queue=0,queue_count=1"
if ! start_fastack udp_echo "$ECHO" "$WORK/fastack.ini"; then
	if grep -Eqi "af_xdp|xsk|bpf|xdp" "$FS_LOG" && ! grep -q "listening on" "$FS_LOG"; then
		echo "  skip: net_af_xdp does not come up here (see above)"
		exit 77
	fi
	finish
fi
ping_check 20 56
ping_check 20 1472
if udp_check --count 10000 --window 32 --min 1 --max 1472 --timeout 2; then
	ok "10000 datagrams echoed byte-identical over af_xdp"
else
	fail "UDP echo check over af_xdp"
fi
if udp_check --closed 9999; then
	ok "ICMP port unreachable over af_xdp"
else
	fail "no port unreachable over af_xdp"
fi
stop_fastack
show_counters '^(port\.|udp\.udps_(delivered|opackets))'
expect_counter_ge udp.udps_delivered 10000
expect_counter_ge arp.arp_txreplies 1
finish
