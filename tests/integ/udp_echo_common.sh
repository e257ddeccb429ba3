# udp_echo_common.sh: (c) 10,000 UDP datagrams of 1..1472 bytes, 32
# outstanding, echoed by $BIN (net_af_packet on a veth) and checked
# byte-for-byte by udp_check.py; sourced by the epoll and kqueue tests.
need_bin "$BIN"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
start_fastack "$(basename "$BIN")" "$BIN" "$WORK/fastack.ini" || finish

if udp_check --count 10000 --window 32 --min 1 --max 1472 --timeout 2; then
	ok "10000 datagrams echoed byte-identical"
else
	fail "UDP echo check"
fi
stop_fastack
grep -E "stopped:" "$FS_LOG" | sed 's/^/    /'
show_counters '^(udp|port)\.'
expect_counter_ge udp.udps_delivered 10000
expect_counter_ge udp.udps_opackets 10000
expect_counter_eq udp.udps_badsum 0
finish
