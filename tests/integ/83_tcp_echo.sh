#!/bin/bash
# examples/tcp_echo and examples/tcp_echo_client on net_af_packet against
# Linux: (1) the fastack echo server, 20 concurrent Python connections of
# 1 MB random bytes each, echoed byte-identical; (2) the fastack client,
# 10 concurrent connections of 10 MB each against a Python echo server in
# the Linux namespace (active open: EINPROGRESS, EPOLLOUT, SO_ERROR).
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
ECHO=$BUILD/examples/tcp_echo
CLIENT=$BUILD/examples/tcp_echo_client
need_bin "$ECHO" "$CLIENT"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"

# (1) fastack serves
FASTACK_ECHO_PORT=7 start_fastack tcp_echo "$ECHO" "$WORK/fastack.ini" || finish
if http_check echo-client "$FS_IP" 7 20 1000000; then
	ok "20 x 1 MB echoed by tcp_echo"
else
	fail "echo through tcp_echo"
fi
ctl_wait_closed 5
stop_fastack
grep "stopped:" "$FS_LOG" | sed 's/^/    /'
expect_server_stat open 0
expect_server_stat errors 0
expect_server_stat "bytes echoed" 20000000
expect_no_drops
expect_sockets_balanced

# (2) fastack connects: the Python echo server runs in NS_B for 60 s at most
py_echo_server 7007 55
FS_LOG=$WORK/tcp_echo_client.log
if ip netns exec "$NS_A" timeout -k 5 90 env FASTACK_CLIENT_TIMEOUT_S=60 "$CLIENT" \
	--conf "$WORK/fastack.ini" -- "$PEER_IP" 7007 10000000 10 >"$FS_LOG" 2>&1; then
	ok "$(grep "connections echoed" "$FS_LOG" | sed 's/^tcp_echo_client: //')"
else
	fail "tcp_echo_client against the Linux echo server:"
	grep -v '^[a-z]*\.' "$FS_LOG" | sed 's/^/    | /'
fi
expect_counter_eq tcp.tcps_connects 10
expect_no_drops
finish
