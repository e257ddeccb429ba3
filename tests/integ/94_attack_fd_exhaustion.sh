#!/bin/bash
# Descriptor exhaustion against examples/helloworld (kqueue) on
# net_af_packet with kern.maxfiles=64 and kern.ipc.somaxconn=16: 200 Linux
# clients connect and stay idle, far more than the descriptor table and the
# accept queue hold.  While they hold it, ping
# must still be answered (the stack is not wedged); a curl then is reported,
# not judged (it may wait in the accept queue).  Then the clients close all
# at once.  Check: a new client gets its answer within 1 s of the release
# (curl, each try bounded by 1 s, tried again 50 ms after a reset, started
# as soon as the clients are gone);
# the server did not spin on a failing accept (at most 1,000 accept errors
# over the 5 s of pressure: it pauses accepting, as production servers do,
# rather than retry on every loop pass); sockets balance at exit.
TAG=fsa-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
N=200
MAXFILES=64
attack_server "[freebsd.sysctl]" "kern.maxfiles=$MAXFILES" "kern.ipc.somaxconn=16"

log "$N idle clients against kern.maxfiles=$MAXFILES, held 5 s, then closed"
attack 30 idle "$FS_IP" "$N" 5 >"$WORK/attack.txt" 2>&1 &
apid=$!
sleep 4 # connects get 3 s
sed 's/^/    /' "$WORK/attack.txt"
ping_check 5 56
if curl_b -s --max-time 1 -o /dev/null "http://$FS_IP/"; then
	log "while the table is full, a new client is answered"
else
	log "while the table is full, a new client gets no answer within 1 s"
fi
wait "$apid" || fail "the idle clients could not be run"
released=$(sed -n 's/^attack: released at //p' "$WORK/attack.txt")
answered=""
# Tries for 5 s: a try that finds the accept queue still full is reset at
# once (a completed handshake without room gets a RST, as FreeBSD's
# syncache gives it: tcp.tcps_sc_sockfail), so tries follow each other
# 50 ms apart rather than five in a row.
end=$(awk -v r="${released:-0}" 'BEGIN { printf "%.3f", r + 5 }')
while awk -v e="$end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n < e) }'; do
	if out=$(curl_b -s --max-time 1 "http://$FS_IP/") && [ "$out" = "Hello from fastack" ]; then
		answered=$(date +%s.%N)
		break
	fi
	sleep 0.05
done
if [ -z "$released" ]; then
	fail "the clients did not say when they closed"
elif [ -z "$answered" ]; then
	fail "no new client answered within 5 s of the release"
else
	dt=$(awk -v a="$released" -v b="$answered" 'BEGIN { printf "%.3f", b - a }')
	if awk -v d="$dt" 'BEGIN { exit !(d <= 1.0) }'; then
		ok "a new client was answered $dt s after the idle clients closed (<= 1 s)"
	else
		fail "a new client was answered only $dt s after the idle clients closed (> 1 s)"
	fi
fi
served_after

attack_stop '^(socket\.so_(nofd|nomem)|tcp\.tcps_(listendrop|sc_.*|accepts|drops))$'
errs=$(server_stat "accept errors")
if [ "${errs:-0}" -le 1000 ]; then
	ok "the server's failed accepts while the table was full: ${errs:-0} (<= 1000)"
else
	fail "the server's failed accepts while the table was full: $errs (it spins on EMFILE)"
fi
expect_sockets_balanced
finish
