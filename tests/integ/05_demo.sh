#!/bin/bash
# The README's first command, bash scripts/demo.sh, works: it ends with
# "all good" and status 0 (ping, UDP echo, then the HTTP demo with curl;
# it makes and removes its own namespaces fsd-a/fsd-b and fsh-demo-*).
# Its setup step runs too (apt-get only for what is missing).  The demo
# prints the stack's counters when it stops udp_echo: they are there, with
# descriptions, and they count what the demo did (6 pings, 5 datagrams
# echoed, 1 to a closed port).
. "$(dirname "$0")/lib.sh"
need_bin "$BUILD/examples/udp_echo" "$BUILD/examples/helloworld"
need_root_netns
BUILD=$BUILD bash "$ROOT/scripts/demo.sh" >"$WORK/demo.log" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "all good" "$WORK/demo.log" && grep -q "HTTP demo: all good" "$WORK/demo.log"; then
	ok "scripts/demo.sh: $(grep -o "done in [0-9]* s" "$WORK/demo.log" | tail -1), all good"
else
	fail "scripts/demo.sh exited $rc; its output:"
	sed 's/^/    | /' "$WORK/demo.log"
fi
# The counters udp_echo printed at SIGTERM (ff_stats_print), as the demo
# shows them: "  | name   value  description", in the step that stops it.
sed -n '/stop udp_echo (SIGTERM)/,/HTTP server/p' "$WORK/demo.log" >"$WORK/counters.txt"
demo_counter() {
	awk -v n="$1" '$1 == "|" && $2 == n && $3 ~ /^[0-9]+$/ && NF >= 4 { v = $3 } END { print v + 0 }' \
		"$WORK/counters.txt"
}
ncount=$(awk '$1 == "|" && $2 ~ /^[a-z]+\.[a-z_0-9]+$/ && $3 ~ /^[0-9]+$/ && NF >= 4' \
	"$WORK/counters.txt" | wc -l)
if grep -q "udp_echo: stopped:" "$WORK/counters.txt" && [ "$ncount" -ge 10 ]; then
	ok "the demo printed udp_echo's tallies and $ncount stack counters with descriptions"
else
	fail "the demo did not print the stack's counters (found $ncount)"
fi
for want in icmp.icps_outhist_echoreply:6 udp.udps_delivered:5 udp.udps_opackets:5 \
	udp.udps_noport:1 icmp.icps_error:1 port.rx_packets:12 port.tx_packets:12; do
	name=${want%:*}
	min=${want#*:}
	v=$(demo_counter "$name")
	if [ "$v" -ge "$min" ]; then
		ok "demo counter $name = $v (>= $min)"
	else
		fail "demo counter $name = $v, expected >= $min"
	fi
done
for ns in fsd-a fsd-b fsh-demo-a fsh-demo-b; do
	if ip netns list | grep -qw "$ns"; then
		fail "the demo left namespace $ns behind"
	fi
done
finish
