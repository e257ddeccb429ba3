# shellcheck shell=bash
# multicore_common.sh: threads mode, two stacks (lcore_mask=0x3) on a DPDK
# vdev over a veth, against Linux; sourced by 72_multicore_af_packet.sh and
# 73_multicore_af_xdp.sh after lib.sh and http_lib.sh, which call
# mc_prologue, set FS_VDEV and call mc_run.
#
#   (1) udp_echo: 10,000 datagrams from 16 sockets (16 flows), echoed
#       byte-identical; each stack echoed its share; all together 10,000;
#   (2) helloworld: 1,000 concurrent connections (Python asyncio, all open
#       at once, each answered twice), no RST, each stack accepted and
#       closed its share; then wrk -c100 for 3 s, zero errors, each stack
#       serving its share; nothing dropped; sockets balanced;
#   (3) tcp_echo_client: 1,000 outgoing connections to a Linux echo server,
#       every byte echoed; each stack opened its share (500, connections
#       k, k + 2, ...) on local ports whose replies come back to it.
# The example prints each stack's counters after a line "NAME[i]: ..." and
# then the totals after "NAME: every stack together:" (per_stack.h).
# mc_prologue -- what both tests need first: root, namespaces, two CPUs,
# the veth topology.
mc_prologue() {
	need_root_netns
	if [ "$NPROC" -lt 2 ]; then
		echo "  skip: two stacks need two CPUs"
		exit 77
	fi
	topo_veth || {
		fail "topology"
		finish
	}
}

UDP=$BUILD/examples/udp_echo
HTTP=$BUILD/examples/helloworld
CLIENT=$BUILD/examples/tcp_echo_client
NCONN=${MC_CONNS:-1000}
MC_PARTS=${MC_PARTS:-1 2 3} # a subset, when debugging: MC_PARTS=2
part() { case " $MC_PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
need_bin "$UDP" "$HTTP" "$CLIENT"
need_tools wrk python3
RAISE='h=$(ulimit -Hn); [ "$h" = unlimited ] && h=65536; ulimit -n "$h"'

# stack_counter I NAME -- counter NAME of stack I (0 when it printed none).
stack_counter() {
	awk -v want="$1" -v n="$2" '
		/^[a-z_]+\[[0-9]+\]: / { s = $1; sub(/^[a-z_]+\[/, "", s); sub(/\].*/, "", s); cur = s }
		/every stack together/ { cur = "total" }
		$1 == n && cur == want { v = $2 }
		END { print v + 0 }' "$FS_LOG"
}

# each_stack_share NAME TOTAL -- every stack counted some of NAME, and the
# totals line says TOTAL (at least, with ">=" as a third argument).
each_stack_share() {
	local name=$1 want=$2 cmp=${3:-=} sum=0 v i shares=""
	for i in 0 1; do
		v=$(stack_counter "$i" "$name")
		shares="$shares stack $i: $v,"
		sum=$((sum + v))
		[ "$v" -gt 0 ] || fail "$name: stack $i counted none (every stack must get a share)"
	done
	v=$(stack_counter total "$name")
	if [ "$v" -ne "$sum" ]; then
		fail "$name: total $v is not the stacks' sum $sum"
	elif [ "$cmp" = ">=" ] && [ "$v" -ge "$want" ]; then
		ok "$name:$shares total $v (>= $want)"
	elif [ "$cmp" = "=" ] && [ "$v" -eq "$want" ]; then
		ok "$name:$shares total $v"
	else
		fail "$name:$shares total $v, expected $cmp $want"
	fi
}

show_rss() {
	local i c
	for i in 0 1; do
		for c in rss.rss_handed_out rss.rss_handed_in rss.rss_tx_proxied rss.rss_copies \
			rss.rss_copies_in rss.rss_ring_full rss.rss_tx_ring_full; do
			printf '    stack %s %-22s %s\n' "$i" "$c" "$(stack_counter "$i" "$c")"
		done
	done | awk '$NF != 0'
	expect_counter_eq rss.rss_ring_full 0
	expect_counter_eq rss.rss_tx_ring_full 0
}

# mc_run -- the checks, on FS_VDEV; ends the test.
mc_run() {
	FASTACK_MASK=0x3 write_conf "$WORK/fastack.ini" "$FS_VDEV" || finish

	if part 1; then
	log "(1) udp_echo on 2 stacks: 10000 datagrams from 16 flows"
	start_fastack udp_echo "$UDP" "$WORK/fastack.ini" || finish
	grep -q "udp_echo\[1\]: listening" "$FS_LOG" || sleep 0.5
	if udp_check --count 10000 --window 32 --min 1 --max 1472 --timeout 2 --sockets 16; then
		ok "10000 datagrams echoed byte-identical"
	else
		fail "UDP echo check"
	fi
	stop_fastack
	grep -E "stopped:|queue\(s\)" "$FS_LOG" | sed 's/^/    /'
	each_stack_share udp.udps_delivered 10000
	each_stack_share udp.udps_opackets 10000
	expect_counter_eq udp.udps_badsum 0
	show_rss

	fi

	if part 2; then
	log "(2a) helloworld on 2 stacks: $NCONN connections from Python asyncio, all open at once"
	FASTACK_HTTP_PORT=80 start_fastack helloworld "$HTTP" "$WORK/fastack.ini" || finish
	grep -q "helloworld\[1\]: listening" "$FS_LOG" || sleep 0.5
	if ip netns exec "$NS_B" timeout -k 2 120 taskset -c "$FASTACK_PYCPU" \
		bash -c "$RAISE"' && exec python3 "$0" conns "$1" 80 "$2"' "$HTTP_PY" "$FS_IP" "$NCONN"; then
		ok "$NCONN concurrent connections (asyncio), every one answered twice"
	else
		fail "$NCONN concurrent connections (asyncio)"
	fi
	sleep 3 # the clients' last FINs and ACKs (a FIN retransmitted once, on a busy machine)
	stop_fastack
	grep -E "helloworld\[[01]\]: (stopped|accept errors)" "$FS_LOG" | sed 's/^/    /'
	each_stack_share tcp.tcps_accepts "$NCONN"
	each_stack_share tcp.tcps_closed "$NCONN"
	expect_counter_eq tcp.tcps_drops 0
	# RSTs here answer late duplicates: on two CPUs the clients share CPU 0
	# with stack 0, a descheduled stack delays a segment past the RTO, the
	# other side's answer to the retransmission finds the connection closed.
	log "RSTs sent: $(counter tcp.tcps_sndrst) (to ACKs for closed connections: tcps_sc_badcookie" \
		"$(counter tcp.tcps_sc_badcookie); spurious retransmissions: tcps_sndrexmitbad" \
		"$(counter tcp.tcps_sndrexmitbad))"
	expect_no_drops
	expect_sockets_balanced
	show_rss

	log "(2b) helloworld on 2 stacks: wrk -c100 for 3 s"
	# wrk exits without reading its last responses: Linux resets those
	# connections, and a reset lost is never sent again: the idle timer (2 s)
	# is the backstop, as in 87_http_1000_conns.sh.
	FASTACK_HTTP_PORT=80 FASTACK_HTTP_IDLE_MS=2000 \
		start_fastack helloworld_wrk "$HTTP" "$WORK/fastack.ini" || finish
	grep -q "helloworld\[1\]: listening" "$FS_LOG" || sleep 0.5
	out=$WORK/wrk.txt
	ip netns exec "$NS_B" timeout -k 2 60 taskset -c "$FASTACK_PYCPU" \
		wrk -t1 -c100 -d3s --timeout 5s "http://$FS_IP/" >"$out" 2>&1
	if grep -q "^Requests/sec" "$out" && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
		ok "wrk -c100: $(awk '/^Requests\/sec:/ { print $2 }' "$out") requests/s, 0 errors"
	else
		fail "wrk -c100:"
		sed 's/^/    | /' "$out"
	fi
	sleep 2.5 # wrk's resets; the 2 s idle timer for any that was lost
	stop_fastack
	grep -E "helloworld\[[01]\]: (stopped|accept errors)" "$FS_LOG" | sed 's/^/    /'
	each_stack_share tcp.tcps_accepts 100 ">="
	each_stack_share tcp.tcps_rcvpack 100 ">="
	expect_no_drops
	expect_sockets_balanced
	show_rss
	fi

	if part 3; then
	log "(3) tcp_echo_client on 2 stacks: $NCONN outgoing connections to Linux"
	py_echo_server 7007 95
	FS_LOG=$WORK/tcp_echo_client.log
	if ip netns exec "$NS_A" timeout -k 5 90 bash -c "$RAISE"' && exec env \
		FASTACK_CLIENT_TIMEOUT_S=60 "$0" --conf "$1" -- "$2" 7007 1000 "$3"' \
		"$CLIENT" "$WORK/fastack.ini" "$PEER_IP" "$NCONN" >"$FS_LOG" 2>&1; then
		ok "$(grep "connections echoed every byte;" "$FS_LOG" | sed 's/^tcp_echo_client: //')"
	else
		fail "tcp_echo_client against the Linux echo server:"
		grep -v '^[a-z]*\.' "$FS_LOG" | head -20 | sed 's/^/    | /'
	fi
	grep -E "tcp_echo_client\[[01]\]: " "$FS_LOG" | sed 's/^/    /'
	each_stack_share tcp.tcps_connects "$NCONN"
	expect_counter_eq tcp.tcps_sndrst 0
	expect_counter_eq tcp.tcps_rcvreset 0
	expect_no_drops
	show_rss
	fi
	finish
}
