# shellcheck shell=bash
# http_lib.sh: helpers for the HTTP and TCP interoperability tests
# (tests/integ/8x_*.sh), sourced after lib.sh (whose topology, start/stop
# and counter helpers they use).  The namespaces get the prefix fsh- (TAG).
#
# Environment: FS_PMD (af_packet, the default, or af_xdp) picks the DPDK
# virtual device fastack attaches to the veth with.

HTTP_PY=$HERE/http_check.py
FS_PMD=${FS_PMD:-af_packet}
GiB=1073741824

# The --vdev argument for FS_PMD on IF_A.
fs_vdev() {
	case ${1:-$FS_PMD} in
	af_xdp) echo "net_af_xdp0,iface=$IF_A,start_queue=0,queue_count=1" ;;
	# 4096 ring frames (the PMD's default is 512): a burst such as 1,000
	# RSTs from a client exiting overflows a small ring, and a lost RST is
	# never sent again.
	*) echo "net_af_packet0,iface=$IF_A,framecnt=4096" ;;
	esac
}

# py_echo_server PORT SECONDS -- the Python echo server (http_check.py) in
# NS_B for SECONDS at most; returns once it listens.
py_echo_server() {
	ip netns exec "$NS_B" timeout -k 2 $(($2 + 5)) python3 "$HTTP_PY" echo-server "$1" "$2" \
		>"$WORK/pyecho.log" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 100); do
		grep -qs "echo server on port" "$WORK/pyecho.log" && break
		sleep 0.05
	done
}

need_tools() {
	local t
	for t in "$@"; do
		if ! command -v "$t" >/dev/null 2>&1; then
			echo "  FAIL: $t is not installed (scripts/setup.sh installs it)"
			exit 1
		fi
	done
}

# http_check ARGS... -- tests/integ/http_check.py in NS_B, bounded.
http_check() {
	ip netns exec "$NS_B" timeout -k 2 "${HTTP_CHECK_SECS:-120}" \
		taskset -c "$FASTACK_PYCPU" python3 "$HTTP_PY" "$@"
}

# pattern_sha N -- SHA-256 of the first N bytes of the /bytes pattern.
pattern_sha() {
	python3 "$HTTP_PY" pattern-sha "$1"
}

# curl_b ARGS... -- curl in NS_B on the client cpu (bounded by --max-time
# in ARGS and by a 300 s backstop).
curl_b() {
	ip netns exec "$NS_B" timeout -k 2 300 taskset -c "$FASTACK_PYCPU" curl "$@"
}

# server_stat WORD -- a number from the example's "stopped:" lines, e.g.
# server_stat open, server_stat "eof mid-request".
server_stat() {
	sed -n 's/.*[ :;,]'"$1"' \([0-9][0-9]*\).*/\1/p' "$FS_LOG" | head -1
}

expect_server_stat() { # word value
	local v
	v=$(server_stat "$1")
	if [ "${v:-x}" = "$2" ]; then
		ok "server: $1 = $v"
	else
		fail "server: $1 = ${v:-missing}, expected $2"
	fi
}

# The counters that must stay 0 in any clean run: no checksum failures, no
# drop for want of memory, buffers or table space, nothing refused by a
# port, no listen queue overflow.
expect_no_drops() {
	local c
	for c in port.tx_dropped port.rx_oversize eth.eth_nomem ip.ips_badsum ip.ips_odropped \
		tcp.tcps_rcvbadsum tcp.tcps_rcvbadoff tcp.tcps_rcvshort tcp.tcps_rcvmemdrop \
		tcp.tcps_listendrop tcp.tcps_sc_dropped tcp.tcps_nomem tcp.tcps_snderr \
		tcp.tcps_reassfull socket.so_nofd socket.so_nomem; do
		local v
		v=$(counter "$c")
		[ "$v" -eq 0 ] || fail "$c = $v, expected 0"
	done
	ok "no drop counters (checksums, memory, queues, ports) moved"
}

# Every socket the program created was closed (it closes what is still
# open at exit, so a leak in the stack's descriptor table shows here).
expect_sockets_balanced() {
	local a b
	a=$(counter socket.so_created)
	b=$(counter socket.so_closed)
	if [ "$a" -eq "$b" ]; then
		ok "sockets created $a = closed $b"
	else
		fail "sockets created $a, closed $b"
	fi
}

# hash_is NAME GOT WANT
hash_is() {
	if [ -n "$2" ] && [ "$2" = "$3" ]; then
		ok "$1: sha256 $2"
	else
		fail "$1: sha256 '${2}', expected '$3'"
	fi
}

# curl_loop N [SECS] -- N requests to fastack's "/", SECS (0.3) apart, each
# bounded by 2 s; prints how many got a 200.
curl_loop() {
	local good=0
	for _ in $(seq "$1"); do
		if curl_b -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$FS_IP/" |
			grep -q '^200$'; then
			good=$((good + 1))
		fi
		sleep "${2:-0.3}"
	done
	echo "$good"
}

# wrk_check NAME URL SECS CONNS [wrk args] -- wrk from NS_B on the client
# cpu; fails on any socket error or non-2xx answer.
wrk_check() {
	local name=$1 url=$2 secs=$3 conns=$4 out rps
	shift 4
	out=$WORK/wrk-$name.txt
	ip netns exec "$NS_B" timeout -k 2 $((secs + 30)) taskset -c "$FASTACK_PYCPU" \
		wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s "$@" "$url" >"$out" 2>&1
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	if [ -n "$rps" ] && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
		ok "wrk $name ($secs s, $conns connections): $rps requests/s," \
			"$(awk '/requests in/ { print $1 }' "$out") requests, 0 errors"
	else
		fail "wrk $name:"
		sed 's/^/    | /' "$out"
	fi
}

# run_wrk NAME SECS CONNS [wrk args] -- wrk_check of http://$FS_IP/
run_wrk() {
	local name=$1 secs=$2 conns=$3
	shift 3
	wrk_check "$name" "http://$FS_IP/" "$secs" "$conns" "$@"
}

# serve_files_b SIZE [SECS] -- $WORK/www/small.bin (1 MiB) and big.bin (SIZE
# bytes) of random bytes, served by python3 http.server on $PEER_IP:8000 in
# NS_B for SECS (280) at most; returns once the port answers.
serve_files_b() {
	mkdir -p "$WORK/www"
	head -c 1048576 /dev/urandom >"$WORK/www/small.bin"
	head -c "$1" /dev/urandom >"$WORK/www/big.bin"
	ip netns exec "$NS_B" timeout -k 2 "${2:-280}" python3 -m http.server 8000 --bind "$PEER_IP" \
		--directory "$WORK/www" >"$WORK/http.server.log" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 100); do
		ip netns exec "$NS_B" bash -c "echo >/dev/tcp/$PEER_IP/8000" 2>/dev/null && break
		sleep 0.1
	done
}
