#!/bin/bash
# (e) A datagram to a closed port gets ICMP port unreachable: a connected
# Linux UDP socket's recv() fails with ECONNREFUSED (udp_check.py --closed),
# and Linux nc -u, whose connected socket then polls POLLERR, gives up at once
# instead of waiting out its -w idle timeout (netcat-openbsd exits without a
# message on POLLERR, so the time it takes is what shows the error).
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish

if udp_check --closed 9999; then
	ok "ECONNREFUSED on a connected socket"
else
	fail "no port unreachable seen"
fi
if udp_check --closed 9998; then
	ok "ECONNREFUSED on a second closed port"
else
	fail "no port unreachable seen for port 9998"
fi
# nc -u: stdin stays open for 8 s, the idle timeout is 6 s; only the ICMP
# error can end it in under 3 s.
mkfifo "$WORK/nc.in"
(
	echo hello
	sleep 8
) >"$WORK/nc.in" &
FEED=$!
PIDS+=("$FEED")
t0=$(date +%s.%N)
in_b nc -u -w 6 "$FS_IP" 9997 <"$WORK/nc.in"
t1=$(date +%s.%N)
kill "$FEED" 2>/dev/null
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
if awk -v s="$secs" 'BEGIN { exit !(s < 3) }'; then
	ok "nc -u to closed port 9997 ended by the port unreachable after ${secs} s"
else
	fail "nc -u to closed port 9997 ran ${secs} s: it saw no port unreachable"
fi
# And the echo port itself is open.
if udp_check --count 5 --window 1 --max 100 --timeout 2; then
	ok "port 7 answers"
else
	fail "port 7 does not answer"
fi
stop_fastack
expect_counter_ge udp.udps_noport 3
expect_counter_ge icmp.icps_error 3
finish
