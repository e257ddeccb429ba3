# shellcheck shell=bash
# attack_lib.sh: helpers for the attack tests (tests/integ/9x_attack_*.sh)
# and scripts/soak.sh, sourced after lib.sh and http_lib.sh.  The attacker is
# tests/integ/attack.py (scapy and raw frames on the peer's veth end, see its
# header); the legitimate clients are wrk and curl, in the same namespace.
#
# Environment: ATTACK_SCALE (default 1) multiplies the attacks' rates (and
# the malformed frame count) for slow builds: .ci/run's ASan pass sets it to
# 0.5 (the server does under half the work per second there).

ATTACK_PYFILE=$HERE/attack.py
ATTACK_SCALE=${ATTACK_SCALE:-1}

# A python3 that has scapy: the one on PATH, else Debian's own.
attack_python() {
	local p
	for p in python3 /usr/bin/python3; do
		if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import scapy' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}
ATTACK_PY=$(attack_python) || {
	echo "  FAIL: python3-scapy is not installed (scripts/setup.sh installs it)"
	exit 1
}

# scaled N -- N * ATTACK_SCALE, at least 1.
scaled() {
	awk -v n="$1" -v s="$ATTACK_SCALE" 'BEGIN { v = int(n * s); print (v < 1 ? 1 : v) }'
}

# attack SECS MODE ARGS... -- tests/integ/attack.py in NS_B on the client cpu,
# bounded by SECS; its output goes to stdout.
attack() {
	local secs=$1
	shift
	ip netns exec "$NS_B" timeout -k 2 "$secs" taskset -c "$FASTACK_PYCPU" \
		"$ATTACK_PY" "$ATTACK_PYFILE" "$IF_B" "$@"
}

# wrk_start NAME SECS CONNS [wrk args] -- wrk in NS_B in the background
# (WRK_PID), as back-to-back slices of WRK_SLICE (2) seconds: wrk reports no
# timeout for a connection that never gets an answer, so a stall shows as a
# slice with no requests.  wrk_check NAME waits for it and fails on any
# error, or on a slice that got no answer.
wrk_start() {
	local name=$1 secs=$2 conns=$3 slice=${WRK_SLICE:-2}
	shift 3
	rm -f "$WORK/wrk-$name".*.txt
	ip netns exec "$NS_B" timeout -k 2 $((secs + 30)) taskset -c "$FASTACK_PYCPU" \
		bash -c 'n=$1 slice=$2 out=$3; shift 3
			for i in $(seq "$n"); do
				timeout -k 1 $((slice + 3)) \
					wrk -t1 -c"$0" -d"${slice}s" --timeout 2s "$@" >"$out.$i.txt" 2>&1
			done' "$conns" $(((secs + slice - 1) / slice)) "$slice" "$WORK/wrk-$name" \
		"$@" "http://$FS_IP/" &
	WRK_PID=$!
}

# wrk_rate NAME -- requests/s over all slices of a finished run (empty if
# none).
wrk_rate() {
	cat "$WORK/wrk-$1".*.txt 2>/dev/null | awk '
		/requests in/ { n += $1; t += $4 + 0 }
		END { if (t > 0) printf "%.0f\n", n / t }'
}

wrk_check() {
	local name=$1 f bad=0 rates="" slice=${WRK_SLICE:-2}
	wait "$WRK_PID"
	for f in "$WORK/wrk-$name".*.txt; do
		local r
		r=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$f")
		if [ -z "$r" ] || [ "$r" = 0 ] || grep -Eq "Socket errors|Non-2xx" "$f"; then
			bad=$((bad + 1))
			fail "wrk $name, slice $(basename "$f" .txt | sed 's/.*\.//'):"
			if [ -s "$f" ]; then
				sed 's/^/    | /' "$f"
			else
				log "  | (no output: wrk was still waiting when its slice's time ran out)"
			fi
		fi
		rates="$rates ${r:-none}"
	done
	if [ -z "$rates" ]; then
		fail "wrk $name: no output"
	elif [ $bad = 0 ]; then
		ok "wrk $name: $(wrk_rate "$name") requests/s, 0 errors, every $slice s" \
			"slice answered (requests/s:$rates)"
	fi
}

# probe_start SECS -- curl GET / every 0.25 s for SECS s in the background
# (each bounded by 2 s); probe_check counts the answers and fails on any miss.
probe_start() {
	local secs=$1
	ip netns exec "$NS_B" timeout -k 2 $((secs + 10)) bash -c '
		end=$(( $(date +%s) + $0 ))
		while [ "$(date +%s)" -lt "$end" ]; do
			if out=$(curl -s --max-time 2 "$1"); then
				[ "$out" = "Hello from fastack" ] && echo ok || echo "bad: $out"
			else
				echo "miss at $(date +%T.%N)"
			fi
			sleep 0.25
		done' "$secs" "http://$FS_IP/" >"$WORK/probe.txt" 2>&1 &
	PROBE_PID=$!
}

probe_check() {
	local good bad
	wait "$PROBE_PID"
	good=$(grep -c '^ok$' "$WORK/probe.txt")
	bad=$(grep -vc '^ok$' "$WORK/probe.txt")
	if [ "$good" -gt 0 ] && [ "$bad" -eq 0 ]; then
		ok "curl probes during the attack: $good of $good answered (each within 2 s)"
	else
		fail "curl probes during the attack: $good answered, $bad not:"
		grep -v '^ok$' "$WORK/probe.txt" | head -5 | sed 's/^/    | /'
	fi
}

# served_after -- after the attack: the peer forgets fastack's MAC, so ARP
# must be answered; then ping and curl (a short page and 1 MiB, hash-checked).
served_after() {
	local got want out
	ip -n "$NS_B" neigh flush dev "$IF_B"
	# -w: wait for every reply (up to 10 s); without it ping stops
	# listening 2 round trips after its last request, and a reply delayed
	# by a busy machine counts as lost.
	out=$(ip netns exec "$NS_B" timeout 20 ping -n -q -c 5 -i 0.2 -w 10 "$FS_IP" 2>&1)
	# (-w also sends on past the count while replies are late: at least 5)
	if [ "$(echo "$out" | awk '/ received/ { print $4 }')" -ge 5 ] 2>/dev/null; then
		ok "after the attack: ARP and pings answered ($(echo "$out" | sed -n 's/^rtt.*= //p'))"
	else
		fail "after the attack: ARP and ping:"
		echo "$out" | sed 's/^/    | /'
	fi
	got=$(curl_b -s --max-time 5 "http://$FS_IP/")
	if [ "$got" = "Hello from fastack" ]; then
		ok "after the attack: curl GET / answered"
	else
		fail "after the attack: curl GET / got '${got}'"
	fi
	got=$(curl_b -s --max-time 10 "http://$FS_IP/bytes/1048576" | sha256sum | cut -d' ' -f1)
	want=$(pattern_sha 1048576)
	hash_is "after the attack: curl GET /bytes/1048576" "$got" "$want"
}

# rss_kib -- resident memory of the fastack program (the process under
# timeout(1) in NS_A), KiB.
rss_kib() {
	local pid
	pid=$(pgrep -P "$FS_PID" | head -1)
	awk '/^VmRSS:/ { print $2 }' "/proc/${pid:-$FS_PID}/status" 2>/dev/null
}

# attack_server [config lines...] -- the usual start of an attack test: root
# and namespaces, the veth topology, a config with the default pool (extra
# lines appended to it), examples/helloworld started (with the environment
# the caller gives it, e.g. FASTACK_HTTP_IDLE_MS).  Sets BIN.
attack_server() {
	BIN=$BUILD/examples/helloworld
	need_bin "$BIN"
	need_tools wrk curl ss
	need_root_netns
	topo_veth || { fail "topology"; finish; }
	write_conf "$WORK/fastack.ini" "$(fs_vdev)" "$@"
	start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish
}

# attack_run SECS MODE ARGS... -- attack, its figures shown (and kept in
# $WORK/attack.txt); fails the test if it could not be carried out.
attack_run() {
	attack "$@" | tee "$WORK/attack.txt" | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" = 0 ] || fail "the attack could not be carried out"
}

# legit_start SECS -- the legitimate clients of a run: wrk (20 keep-alive
# connections, 2 s slices) and a curl every 0.25 s, for SECS s; legit_check
# judges both.
legit_start() {
	wrk_start during "$1" 20
	probe_start "$1"
}
legit_check() {
	wrk_check during
	probe_check
}

# download_start BYTES RATE -- curl GET /bytes/BYTES at RATE (curl's
# --limit-rate) in the background; download_check waits for it and checks
# its SHA-256.
download_start() {
	DL_BYTES=$1
	curl_b -s --max-time 40 --limit-rate "$2" "http://$FS_IP/bytes/$1" -o "$WORK/download" &
	DL_PID=$!
}
download_check() {
	if wait "$DL_PID"; then
		hash_is "the download during the attack ($DL_BYTES bytes)" \
			"$(sha256sum <"$WORK/download" | cut -d' ' -f1)" "$(pattern_sha "$DL_BYTES")"
	else
		fail "the download during the attack failed" \
			"($(stat -c %s "$WORK/download" 2>/dev/null || echo 0) bytes)"
	fi
}

# pool_check -- the server's packet pool, from its "pool:" line (ff_pool_info,
# printed when it stops): never emptied during the run (fewest free > 0),
# and every buffer back (free = size: every client has gone by then).
# Sets POOL to the line.
pool_check() {
	local size free lowest
	POOL=$(grep -E "^[a-z_]+: pool: " "$FS_LOG" | tail -1)
	if [ -z "$POOL" ]; then
		fail "the server printed no pool line"
		return
	fi
	read -r size free lowest <<<"$(echo "$POOL" |
		sed 's/.*pool: \([0-9]*\) buffers, \([0-9]*\) free, fewest free \([0-9]*\).*/\1 \2 \3/')"
	if [ "${lowest:-0}" -gt 0 ]; then
		ok "pool: never empty (fewest free $lowest of $size)"
	else
		fail "pool: emptied during the run ($POOL)"
	fi
	if [ "${free:-x}" = "$size" ]; then
		ok "pool: every buffer back at the end ($free of $size free)"
	else
		fail "pool: $free of $size buffers free at the end"
	fi
}

# attack_stop PATTERN -- stops the server (a second after the last client:
# the closes' last segments), shows its own tallies and the stack counters
# matching PATTERN (an awk regex), and checks its pool (pool_check).
attack_stop() {
	sleep 1
	stop_fastack
	grep -E ": (stopped|bytes in|accept errors)" "$FS_LOG" | sed 's/^/    /'
	show_counters "$1"
	pool_check
}
