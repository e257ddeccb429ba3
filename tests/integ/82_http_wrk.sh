#!/bin/bash
# wrk against examples/helloworld_epoll on net_af_packet: 10 s of
# keep-alive requests (50 connections) and 3 s of "Connection: close"
# requests, with zero errors (no socket error, no non-2xx response); prints
# requests/s.  wrk runs on the other cpu than fastack.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld_epoll
need_bin "$BIN"
need_tools wrk
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 start_fastack helloworld_epoll "$BIN" "$WORK/fastack.ini" || finish

# run_wrk NAME SECS CONNS [wrk args] -- fails on any wrk error
run_wrk() {
	local name=$1 secs=$2 conns=$3
	shift 3
	wrk_check "$name" "http://$FS_IP/" "$secs" "$conns" "$@"
}
run_wrk keep-alive 10 50
run_wrk close 3 50 -H "Connection: close"

sleep 0.5 # the last ACKs
stop_fastack
grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
expect_server_stat "eof mid-request" 0
expect_server_stat "write errors" 0
expect_no_drops
expect_sockets_balanced
finish
