#!/bin/bash
# examples/fstack_style, a program in the shape of F-Stack's examples
# (ff_config.h, ff_log.h, rte_lcore.h, __thread state, kqueue), serving
# Linux curl: three keep-alive requests on one connection, then 20
# separate connections; its ff_log messages land in the file it gave
# ff_log_reset_stream, filtered by the levels it set.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/fstack_style
need_bin "$BIN"
need_tools curl
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
export FASTACK_APP_LOG=$WORK/app.log
start_fastack fstack_style "$BIN" "$WORK/fastack.ini" || finish

want="Hello from an F-Stack app"
out=$(in_b curl -s --max-time 10 "http://$FS_IP/" "http://$FS_IP/a" "http://$FS_IP/b")
if [ "$(printf '%s\n' "$out" | grep -c "^$want\$")" = 3 ]; then
	ok "3 keep-alive requests answered"
else
	fail "keep-alive requests: got '$out'"
fi
good=0
for i in $(seq 20); do
	b=$(in_b curl -s --max-time 5 -H "Connection: close" "http://$FS_IP/$i")
	[ "$b" = "$want" ] && good=$((good + 1))
done
if [ $good = 20 ]; then
	ok "20 connections, one request each"
else
	fail "only $good of 20 single-request connections answered"
fi
ctl_wait_closed 5
stop_fastack
grep "stopped:" "$FS_LOG" | sed 's/^/    /'
if grep -q "stopped: accepted 21 replies 23 closed 21" "$FS_LOG"; then
	ok "21 connections accepted and closed, 23 replies"
else
	fail "tallies differ from 21 accepted / 23 replies / 21 closed"
fi
log "its log file:"
head -5 "$WORK/app.log" | sed 's/^/    | /'
if grep -q "listening on TCP port 80, lcore [0-9]" "$WORK/app.log" &&
	[ "$(grep -c "accepted fd" "$WORK/app.log")" = 21 ] &&
	grep -q "stopped: 21 accepted, 23 replies" "$WORK/app.log"; then
	ok "ff_log wrote the start, each accept (debug level) and the end to its file"
else
	fail "the application's log file lacks what ff_log was given"
fi
if grep -q "listening on TCP port" "$FS_LOG" && ! grep -q "accepted fd" "$FS_LOG"; then
	ok "ff_log messages went to the file, not to stderr"
else
	fail "ff_log messages leaked to stderr (or the start line is missing)"
fi
expect_no_drops
finish
