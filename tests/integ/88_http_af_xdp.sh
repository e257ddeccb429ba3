#!/bin/bash
# examples/helloworld_epoll on net_af_xdp over the veth (an XDP program
# steers every frame of the fastack end to its AF_XDP socket): curl
# keep-alive, the request-parsing cases, a 256 MiB download and upload
# checked by SHA-256, and 5 s of wrk with zero errors.  Skipped (77) when
# the PMD cannot be brought up on this kernel.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld_epoll
SIZE=268435456
need_bin "$BIN"
need_tools curl wrk python3
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev af_xdp)"
if ! FASTACK_HTTP_PORT=80 start_fastack helloworld_epoll "$BIN" "$WORK/fastack.ini"; then
	if grep -Eqi "af_xdp|xsk|bpf|xdp" "$FS_LOG" && ! grep -q "listening on" "$FS_LOG"; then
		echo "  skip: net_af_xdp does not come up here (see above)"
		exit 77
	fi
	finish
fi
URL=http://$FS_IP

curl_b -sv --max-time 20 "$URL/" "$URL/bytes/100000" "$URL/" -o "$WORK/ka1" -o "$WORK/ka2" \
	-o "$WORK/ka3" 2>"$WORK/ka.err"
if [ "$(grep -c "^\* Connected to" "$WORK/ka.err")" = 1 ] &&
	[ "$(grep -c "Re-using existing connection" "$WORK/ka.err")" = 2 ] &&
	[ "$(wc -c <"$WORK/ka2")" = 100000 ]; then
	ok "curl keep-alive over af_xdp: 3 requests on 1 connection"
else
	fail "curl keep-alive over af_xdp:"
	sed 's/^/    | /' "$WORK/ka.err"
fi
if http_check cases "$FS_IP" 80; then
	ok "http_check.py cases over af_xdp"
else
	fail "http_check.py cases over af_xdp"
fi
got=$(curl_b -s --max-time 120 "$URL/bytes/$SIZE" | sha256sum | cut -d' ' -f1)
hash_is "GET /bytes/$SIZE over af_xdp" "$got" "$(pattern_sha $SIZE)"
head -c $SIZE /dev/urandom >"$WORK/up.bin"
got=$(curl_b -s --max-time 120 -X POST -T "$WORK/up.bin" "$URL/hash")
hash_is "POST /hash of $SIZE bytes over af_xdp" "$got" "$(sha256sum <"$WORK/up.bin" | cut -d' ' -f1)"
rm -f "$WORK/up.bin"
out=$WORK/wrk.txt
ip netns exec "$NS_B" timeout -k 2 40 taskset -c "$FASTACK_PYCPU" \
	wrk -t1 -c50 -d5s --timeout 5s "$URL/" >"$out" 2>&1
if grep -q "^Requests/sec" "$out" && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
	ok "wrk over af_xdp (5 s, 50 connections): $(awk '/^Requests\/sec:/ { print $2 }' "$out")" \
		"requests/s, 0 errors"
else
	fail "wrk over af_xdp:"
	sed 's/^/    | /' "$out"
fi
ctl_wait_closed 5
stop_fastack
grep -E ": (stopped|bytes in)" "$FS_LOG" | sed 's/^/    /'
expect_server_stat "eof mid-request" 0
expect_server_stat "write errors" 0
expect_no_drops
expect_sockets_balanced
finish
