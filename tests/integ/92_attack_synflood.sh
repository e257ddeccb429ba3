#!/bin/bash
# SYN flood against examples/helloworld (kqueue) on net_af_packet.
# attack.py sends SYNs to port 80 from spoofed sources on the link
# (198.18.0.64-250, random ports: nobody answers ARP for them, so no
# handshake ever completes) at ATTACK_SYN_PPS (50,000/s, times
# ATTACK_SCALE) while wrk (10 connections, "Connection: close": every
# request is a new handshake) measures the legitimate clients' rate.
# The control is the same flood aimed at 198.18.0.4 through fastack's MAC:
# the same frames reach the stack, which drops them at IP (ips_notforus).
# On this 2-core machine the attacker shares the client's cpu, so only the
# control tells what the flood itself costs.  Control and attack take turns,
# two rounds each of 4 s in the order control, attack, attack, control, so
# that a load that drifts during the test (other work on the machine) weighs
# on both alike.  Checks: 0 wrk errors in every round; the rate
# under attack at least SYNFLOOD_MIN_RATIO (0.8, for timing noise) of the
# control's; SYN cookies answered the flood; memory flat (the server's RSS
# after the first two rounds and after the last two, within 2 MiB; not under
# ASan, whose quarantine holds freed memory, and where LeakSanitizer checks
# at exit instead; the stack counts no pool use yet, so pool use is not
# checked); sockets balance at exit.
TAG=fsa-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
BIN=$BUILD/examples/helloworld
PPS=$(scaled "${ATTACK_SYN_PPS:-50000}")
MIN_RATIO=${SYNFLOOD_MIN_RATIO:-0.8}
need_bin "$BIN"
need_tools wrk curl
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish
rss_start=$(rss_kib)

# round NAME TARGET -- 4 s of wrk under a flood to TARGET.
round() {
	local name=$1 target=$2 apid
	attack 20 synflood "$target" "$PPS" 5.5 >"$WORK/attack-$name.txt" 2>&1 &
	apid=$!
	sleep 1 # the attacker builds its frames, then floods
	wrk_start "$name" 4 10 -H "Connection: close"
	wrk_check "$name"
	wait "$apid" || fail "attack $name failed"
	sed 's/^/    /' "$WORK/attack-$name.txt"
}
log "SYN flood at $PPS SYN/s: control (to 198.18.0.4, dropped at IP) and attack (to $FS_IP:80)"
round control1 198.18.0.4
round attack1 "$FS_IP"
sleep 1
rss0=$(rss_kib) # after a first flood: what the stack touches once is in
round attack2 "$FS_IP"
round control2 198.18.0.4
sleep 1
rss1=$(rss_kib)

ctl=$(awk -v a="$(wrk_rate control1)" -v b="$(wrk_rate control2)" 'BEGIN { print (a + b) / 2 }')
atk=$(awk -v a="$(wrk_rate attack1)" -v b="$(wrk_rate attack2)" 'BEGIN { print (a + b) / 2 }')
if awk -v c="$ctl" -v a="$atk" -v m="$MIN_RATIO" 'BEGIN { exit !(c > 0 && a >= m * c) }'; then
	ok "legitimate clients under the flood: $atk requests/s vs $ctl in the control" \
		"($(awk -v c="$ctl" -v a="$atk" 'BEGIN { printf "%.2f", a / c }')x, >= $MIN_RATIO)"
else
	fail "legitimate clients under the flood: $atk requests/s vs $ctl in the control" \
		"(below $MIN_RATIO x)"
fi
if ldd "$BIN" | grep -q libasan; then
	# ASan's quarantine keeps freed memory for a while (256 MiB by default):
	# RSS grows whatever the program does; LeakSanitizer checks at exit.
	log "server RSS $rss0 KiB after the first two rounds, $rss1 KiB after the last two:" \
		"not compared under ASan (its quarantine holds freed memory; LeakSanitizer checks at exit)"
elif [ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -le 2048 ]; then
	ok "server RSS $rss0 KiB after the first two rounds, $rss1 KiB after the last two" \
		"(+$((rss1 - rss0)) KiB; $rss_start KiB at start)"
else
	fail "server RSS ${rss0:-?} KiB after the first two rounds, ${rss1:-?} KiB after the" \
		"last two ($rss_start KiB at start)"
fi
log "(the stack has no pool-use counter yet: pool use under the flood is not checked)"
served_after

stop_fastack
grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
show_counters '^(tcp\.tcps_(sc_.*|listendrop|accepts)|ip\.ips_notforus|arp\.arp_(held|holddrop|timeouts|cachefull|dropped)|.*(pool|nomem).*)$'
expect_counter_ge tcp.tcps_sc_sendcookie 1
expect_counter_ge ip.ips_notforus 1
expect_counter_eq tcp.tcps_listendrop 0
expect_sockets_balanced
finish
