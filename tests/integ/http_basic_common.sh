# shellcheck shell=bash
# http_basic_common.sh: $BIN (helloworld or helloworld_epoll) on $FS_PMD on
# a veth, driven by curl and http_check.py from the Linux peer: keep-alive
# (curl reuses one connection for several requests), Connection: close,
# a 1 MiB /bytes download and 1 MB uploads (Content-Length and chunked)
# checked by SHA-256, and the request-parsing cases (pipelining, HTTP/1.0,
# HEAD, 100-continue, every error status).  Sourced by 80_ and 81_.
need_bin "$BIN"
need_tools curl python3
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 start_fastack "$(basename "$BIN")" "$BIN" "$WORK/fastack.ini" || finish
URL=http://$FS_IP

# keep-alive: four requests, one connection
curl_b -sv --max-time 20 "$URL/" "$URL/bytes/1000" "$URL/nope" "$URL/" \
	-o "$WORK/ka1" -o "$WORK/ka2" -o "$WORK/ka3" -o "$WORK/ka4" 2>"$WORK/ka.err"
conns=$(grep -c "^\* Connected to" "$WORK/ka.err")
reused=$(grep -c "Re-using existing connection" "$WORK/ka.err")
if [ "$conns" = 1 ] && [ "$reused" = 3 ] && [ "$(cat "$WORK/ka1")" = "Hello from fastack" ] &&
	[ "$(wc -c <"$WORK/ka2")" = 1000 ] && grep -q "< HTTP/1.1 404" "$WORK/ka.err"; then
	ok "curl keep-alive: 4 requests on 1 connection (curl -v: 'Re-using existing connection' x3)"
else
	fail "curl keep-alive: $conns connections, $reused reuses:"
	sed 's/^/    | /' "$WORK/ka.err"
fi

# Connection: close: the server says so and closes; curl cannot reuse
curl_b -sv --max-time 20 -H "Connection: close" "$URL/" "$URL/" -o /dev/null -o /dev/null \
	2>"$WORK/cl.err"
conns=$(grep -c "^\* Connected to" "$WORK/cl.err")
if [ "$conns" = 2 ] && [ "$(grep -ci "^< Connection: close" "$WORK/cl.err")" = 2 ] &&
	! grep -q "Re-using existing connection" "$WORK/cl.err"; then
	ok "curl Connection: close: answered with 'Connection: close', 2 requests on 2 connections"
else
	fail "curl Connection: close: $conns connections:"
	sed 's/^/    | /' "$WORK/cl.err"
fi

# HTTP/1.0 (curl -0): one request per connection
if curl_b -s0 --max-time 20 -D "$WORK/h10" "$URL/" -o /dev/null &&
	grep -qi "^Connection: close" "$WORK/h10"; then
	ok "curl -0 (HTTP/1.0): Connection: close"
else
	fail "curl -0 (HTTP/1.0)"
fi

# 1 MiB download, checked against the pattern
got=$(curl_b -s --max-time 30 "$URL/bytes/1048576" | sha256sum | cut -d' ' -f1)
hash_is "GET /bytes/1048576" "$got" "$(pattern_sha 1048576)"

# 1 MB upload, Content-Length and chunked
head -c 1000000 /dev/urandom >"$WORK/up.bin"
want=$(sha256sum <"$WORK/up.bin" | cut -d' ' -f1)
got=$(curl_b -s --max-time 30 --data-binary @"$WORK/up.bin" "$URL/hash")
hash_is "POST /hash (Content-Length)" "$got" "$want"
got=$(curl_b -s --max-time 30 -H "Transfer-Encoding: chunked" --data-binary @"$WORK/up.bin" \
	"$URL/hash")
hash_is "POST /hash (chunked)" "$got" "$want"

# request parsing, pipelining, errors
if http_check cases "$FS_IP" 80; then
	ok "http_check.py cases"
else
	fail "http_check.py cases"
fi

sleep 0.3 # the last ACKs
stop_fastack
grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
expect_server_stat open 0
expect_server_stat "eof mid-request" 0
expect_server_stat "write errors" 0
expect_no_drops
expect_sockets_balanced
expect_counter_ge tcp.tcps_accepts 40
finish
