#!/bin/bash
# examples/co_http (coroutines, one per connection, blocking-style code) on
# net_af_packet: curl keep-alive (several URLs on one connection; HTTP/1.0
# with "Connection: Keep-Alive" too) and
# "Connection: close", a 64 MiB /bytes download hash-checked, 404; then wrk,
# 5 s keep-alive and 3 s "Connection: close" (50 connections), with zero
# errors; at the stop every coroutine has ended and every socket is closed.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/co_http
need_bin "$BIN"
need_tools curl wrk
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 start_fastack co_http "$BIN" "$WORK/fastack.ini" 200 || finish

out=$(curl_b -s --max-time 10 "http://$FS_IP/" "http://$FS_IP/" "http://$FS_IP/bytes/5" | tr -d '\0')
case "$out" in
"Hello from fastack"*"Hello from fastack"*) ok "curl keep-alive: 3 requests answered" ;;
*) fail "curl keep-alive: '$out'" ;;
esac
conns=$(curl_b -s -o /dev/null -o /dev/null --max-time 10 -w '%{num_connects}' "http://$FS_IP/" \
	"http://$FS_IP/")
[ "$conns" = "10" ] && ok "keep-alive: 2 requests on one connection" ||
	fail "keep-alive: connects '$conns'"
conns=$(curl_b -s -0 -H "Connection: Keep-Alive" -o /dev/null -o /dev/null --max-time 10 \
	-w '%{num_connects}' "http://$FS_IP/" "http://$FS_IP/")
[ "$conns" = "10" ] && ok "HTTP/1.0 keep-alive: 2 requests on one connection" ||
	fail "HTTP/1.0 keep-alive: connects '$conns'"
code=$(curl_b -s -o /dev/null --max-time 10 -H "Connection: close" -w '%{http_code}' "http://$FS_IP/")
[ "$code" = 200 ] && ok "Connection: close answered" || fail "Connection: close: HTTP $code"
code=$(curl_b -s -o /dev/null --max-time 10 -w '%{http_code}' "http://$FS_IP/nothing")
[ "$code" = 404 ] && ok "404 for an unknown path" || fail "unknown path: HTTP $code"
N=$((64 << 20))
got=$(curl_b -s --max-time 60 "http://$FS_IP/bytes/$N" | sha256sum | cut -d' ' -f1)
hash_is "GET /bytes/$N" "$got" "$(pattern_sha $N)"

run_wrk keep-alive 5 50
run_wrk close 3 50 -H "Connection: close"

sleep 0.5 # the last ACKs
stop_fastack
grep -E "^co_http: (stopped|bytes in)" "$FS_LOG" | sed 's/^/    /'
expect_server_stat "eof mid-request" 0
expect_server_stat "write errors" 0
expect_server_stat "open" 0
expect_server_stat "alive" 0
expect_counter_ge co.co_spawned 100
expect_no_drops
expect_sockets_balanced
finish
