#!/bin/bash
# examples/helloworld (kqueue) on net_af_packet against two ways of wearing
# a server down (issue 17), each while curl keeps asking:
# (1) slowloris: 5 connections trickle a request head, one byte every
#     0.5 s.  The idle timer (60 s) never fires, since each byte is
#     progress; the head deadline (FASTACK_HTTP_HEADER_MS=2000 here) counts
#     from the head's first byte, so each is closed 2..3.5 s after it (the
#     server sweeps once a second): "header deadline closes 5", no idle
#     timeout.  curl is answered throughout.
# (2) descriptor exhaustion, helloworld and then helloworld_epoll:
#     kern.maxfiles=64 ([freebsd.sysctl]), so after
#     the listener and the kqueue about 60 connections fit; 100 idle
#     Python connections are held for 3 s.  ff_accept fails with EMFILE
#     while the listener stays readable; the server pauses accepting (100
#     ms, examples/common/accept_pause.h) instead of spinning: one failed
#     call per pause (accept errors = accept pauses = socket.so_nofd), at
#     most ~10 a second.  When the idle connections close, a new request is
#     answered within 1 s (http_check.py hold), and curl afterwards too.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld
need_bin "$BIN" "$BUILD/examples/helloworld_epoll"
need_tools curl python3
need_root_netns
topo_veth || { fail "topology"; finish; }

log "(1) slowloris: 5 connections, a byte every 0.5 s, head deadline 2 s"
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 FASTACK_HTTP_HEADER_MS=2000 \
	start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish
http_check slowloris "$FS_IP" 80 5 0.5 2 3.5 >"$WORK/slow.txt" 2>&1 &
slow=$!
good=$(curl_loop 8)
if wait "$slow"; then
	ok "$(tail -1 "$WORK/slow.txt")"
else
	fail "slowloris:"
	sed 's/^/    | /' "$WORK/slow.txt"
fi
if [ "$good" = 8 ]; then ok "curl meanwhile: 8/8 answered"; else fail "curl meanwhile: $good/8 answered"; fi
stop_fastack
grep -E ": (stopped|bytes in)" "$FS_LOG" | sed 's/^/    /'
expect_server_stat "header deadline closes" 5
expect_server_stat timeouts 0
expect_server_stat open 0

write_conf "$WORK/fastack-fds.ini" "$(fs_vdev)" "" "[freebsd.sysctl]" "kern.maxfiles=64"
for prog in helloworld helloworld_epoll; do
	log "(2) $prog, kern.maxfiles=64, 100 idle connections held 3 s"
	FASTACK_HTTP_PORT=80 start_fastack "$prog" "$BUILD/examples/$prog" \
		"$WORK/fastack-fds.ini" || finish
	if http_check hold "$FS_IP" 80 100 3 >"$WORK/hold.txt" 2>&1; then
		sed 's/^/    /' "$WORK/hold.txt"
		ok "a new client is answered within 1 s of the pressure ending"
	else
		fail "hold:"
		sed 's/^/    | /' "$WORK/hold.txt"
	fi
	good=$(curl_loop 3)
	if [ "$good" = 3 ]; then ok "curl afterwards: 3/3 answered"; else fail "curl afterwards: $good/3 answered"; fi
	stop_fastack
	grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
	errs=$(server_stat "accept errors")
	pauses=$(server_stat "accept pauses")
	nofd=$(counter socket.so_nofd)
	if [ "${pauses:-0}" -ge 1 ] && [ "${pauses:-0}" -le 60 ] && [ "${errs:-x}" = "$pauses" ] &&
		[ "$nofd" = "$pauses" ]; then
		ok "no spin: $pauses accept pauses, $errs failed ff_accept calls (EMFILE), so_nofd $nofd"
	else
		fail "accept errors ${errs:-?}, pauses ${pauses:-?}, so_nofd $nofd (expected 1..60, all equal)"
	fi
	expect_server_stat open 0
	expect_sockets_balanced
done
finish
