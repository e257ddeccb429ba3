#!/bin/bash
# (d) Fault injection in the stack's port ([port0] fault_*): 5% loss, 5%
# corruption, 2% duplication, 2% reordering, both directions.  Losses are
# counted, corrupted frames are dropped by checksum (never echoed), every
# reply that does come back is byte-identical, and nothing else goes wrong:
# every datagram the Linux client lost is explained by a frame the fault
# injector dropped or corrupted, every duplicate by one it duplicated, and
# the echo server sent back every datagram it received.  Every impairment
# counted at least once (port.fault_lost, _corrupted, _duplicated,
# _reordered).
#
# Then delay on the real port: udp_echo with fault_delay_us=20000 in both
# directions against udp_echo without faults.  Every frame is delayed and
# counted (port.fault_delayed >= 2 per echoed datagram), and the round trip
# udp_check measures rises by the two delays: its minimum and its rise of
# the median over the fault-free run are at least 3/4 of the 40 ms.  (Each
# delay runs on the stack's clock, read once per pass: a frame that reaches
# the RX ring after the pass read its clock, or a reply made late in a pass,
# is held for up to a pass's length less than 20 ms of real time, and on a
# loaded machine a pass can be descheduled for milliseconds; 37.5 ms was
# seen.  Without the delay the round trip is tens of microseconds.)
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A" \
	fault_loss=0.05 fault_corrupt=0.05 fault_dup=0.02 fault_reorder=0.02 \
	fault_seed=7 fault_dir=both
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish

# Each datagram crosses the faulty port twice: about 80% come back.
udp_check --count 3000 --window 16 --min 1 --max 1472 --timeout 0.2 \
	--max-lost 3000 --min-ok 1500 >"$WORK/udp_check.out"
rc=$?
cat "$WORK/udp_check.out"
if [ $rc = 0 ]; then
	ok "every reply that came back was byte-identical"
else
	fail "UDP check under faults"
fi
read -r c_lost c_dup < <(sed -nE 's/.* ([0-9]+) lost, [0-9]+ corrupt, ([0-9]+) duplicate.*/\1 \2/p' \
	"$WORK/udp_check.out")
csum_b=$(in_b nstat -az UdpInCsumErrors 2>/dev/null | awk '/UdpInCsumErrors/ { print $2 }')
log "Linux peer dropped ${csum_b:-?} corrupted replies by UDP checksum (UdpInCsumErrors)"
stop_fastack
show_counters '^(port\.fault|ip\.ips_bad|udp\.udps_bad|icmp\.icps_checksum|eth\.eth_(notforus|noproto|tooshort)|ip\.ips_(tooshort|badlen|badhlen|badvers|notforus|noproto|badaddr)|udp\.udps_(hdrops|badlen))'
expect_counter_ge port.fault_lost 1
expect_counter_ge port.fault_corrupted 1
expect_counter_ge port.fault_duplicated 1
expect_counter_ge port.fault_reordered 1
bad=0
for c in ip.ips_badsum udp.udps_badsum icmp.icps_checksum; do
	bad=$((bad + $(counter $c)))
done
if [ "$bad" -ge 1 ]; then
	ok "corrupted frames dropped by checksum: ips_badsum + udps_badsum + icps_checksum = $bad"
else
	fail "no checksum drops counted although frames were corrupted"
fi
f_lost=$(counter port.fault_lost)
f_corr=$(counter port.fault_corrupted)
f_dup=$(counter port.fault_duplicated)
if [ -z "${c_lost:-}" ]; then
	fail "no udp_check summary to reconcile"
elif [ "$c_lost" -ge 1 ] && [ "$c_lost" -le $((f_lost + f_corr)) ]; then
	ok "client lost $c_lost, within what the injector dropped ($f_lost) or corrupted ($f_corr)"
else
	fail "client lost $c_lost datagrams; faults explain at most $((f_lost + f_corr))"
fi
if [ -n "${c_dup:-}" ] && [ "$c_dup" -le "$f_dup" ]; then
	ok "client saw $c_dup duplicates, at most the $f_dup frames duplicated"
else
	fail "client saw ${c_dup:-?} duplicates; the injector duplicated $f_dup"
fi
if grep -Eq "stopped: ([0-9]+) datagrams received, \1 echoed, 0 send errors" "$FS_LOG"; then
	ok "server: $(grep -o "stopped: .*" "$FS_LOG")"
else
	fail "server did not echo every datagram it received: $(grep -o "stopped: .*" "$FS_LOG")"
fi

# --- delay: the RTT rises by the delay in each direction -----------------
DELAY_US=20000
# rtt_of NAME FIELD -- "min" or "median" (ms, integer part) from udp_check.
rtt_of() {
	sed -nE "s/^udp_check: rtt .*$2 ([0-9]+)\.[0-9]+ ms.*/\1/p" "$WORK/$1.out" | tail -1
}
# delay_run NAME [fault lines...] -- udp_echo with those faults, 100 echoes.
delay_run() {
	local name=$1
	shift
	write_conf "$WORK/$name.ini" "net_af_packet0,iface=$IF_A" "$@"
	start_fastack "$name" "$ECHO" "$WORK/$name.ini" || return 1
	udp_check --count 100 --window 4 --min 1 --max 1472 --timeout 2 >"$WORK/$name.out"
	local rc=$?
	cat "$WORK/$name.out"
	stop_fastack
	return $rc
}
delay_run nodelay || fail "UDP check without faults"
base=$(rtt_of nodelay median)
delay_run delay "fault_delay_us=$DELAY_US" fault_dir=both || fail "UDP check with fault_delay_us"
show_counters '^port\.(fault|rx_packets|tx_packets)'
expect_counter_ge port.fault_delayed 200
expect_counter_eq port.fault_lost 0
min=$(rtt_of delay min)
med=$(rtt_of delay median)
two=$((2 * DELAY_US / 1000))
if [ -z "$base" ] || [ -z "$min" ] || [ -z "$med" ]; then
	fail "no RTT from udp_check (base '${base:-}', min '${min:-}', median '${med:-}')"
elif [ "$min" -ge $((two * 3 / 4)) ] && [ $((med - base)) -ge $((two * 3 / 4)) ]; then
	ok "RTT with ${DELAY_US} us each way: min $min ms >= $((two * 3 / 4)) ms, median $med ms vs $base ms without"
else
	fail "RTT with ${DELAY_US} us each way: min $min ms (want >= $((two * 3 / 4))), median $med ms" \
		"vs $base ms without (want a rise >= $((two * 3 / 4)) ms)"
fi
finish
