#!/bin/bash
# 76_fastack: the fastack command (tools/fastack.c) against helloworld_epoll
# serving curl and wrk, through the control channel (src/ctl).  Each
# subcommand's output is checked against what the test did: the address
# and MAC it configured, the requests curl made, the connection it holds
# open, the route it added (and the ping that route lets through), the ARP
# entry it deleted, the TTL it set (seen in ping's replies); every --json
# output parsed with jq; wrk served with 0 errors while the tools poll the
# stack every 0.1 s; `fastack capture -w - | tcpdump -r -` shows the pings
# and the SYNs the test sent, filtered; `fastack metrics` is scraped every second (its
# Prometheus text checked by tests/integ/prom_check.py, and by promtool when
# installed); the socket removed when the program stops.
TAG=fsf-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld_epoll
FASTACK=$BUILD/tools/fastack
need_bin "$BIN" "$FASTACK"
need_tools curl wrk jq python3 tcpdump
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 start_fastack helloworld_epoll "$BIN" "$WORK/fastack.ini" || finish
URL=http://$FS_IP

# --- ps: the process found by itself, its socket 0600 ---
if ctl_until 5 '.proc[0].stacks == 1' ps; then
	pid=$(printf '%s' "$CTL_LAST" | jq -r '.proc[0].pid')
	sock=$(printf '%s' "$CTL_LAST" | jq -r '.socket')
	if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "helloworld_epol" ] &&
		[ "$(stat -c %a "$sock")" = 600 ]; then
		ok "ps: pid $pid is helloworld_epoll, 1 stack, socket $(basename "$sock") mode 0600"
	else
		fail "ps: pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)), mode $(stat -c %a "$sock")"
	fi
else
	fail "ps: $CTL_LAST"
fi

# --- ifconfig: the configured address, the veth's MAC ---
j=$(fsctl --json ifconfig)
mac=$(mac_of "$NS_A" "$IF_A")
if [ "$(jq -r '.if[0].name' <<<"$j")" = port0 ] && [ "$(jq -r '.if[0].inet' <<<"$j")" = "$FS_IP" ] &&
	[ "$(jq -r '.if[0].netmask' <<<"$j")" = 255.255.255.0 ] &&
	[ "$(jq -r '.if[0].mac | ascii_downcase' <<<"$j")" = "$mac" ] &&
	[ "$(jq -r '.if[0].mtu' <<<"$j")" = 1500 ]; then
	ok "ifconfig --json: port0 $FS_IP/24, MAC $mac (the veth's), mtu 1500"
else
	fail "ifconfig --json: $j"
fi
fsctl ifconfig | grep -q "inet $FS_IP netmask 255.255.255.0 broadcast 198.18.0.255" &&
	ok "ifconfig: inet line" || fail "ifconfig: $(fsctl ifconfig)"

# --- stat: the connections curl made, counted live (polled, no sleep) ---
acc0=$(ctl_counter tcp.tcps_accepts)
rx0=$(fsctl --json ifconfig | jq '[.ifstat[].rx_packets] | add')
for _ in $(seq 7); do
	curl_b -s --max-time 5 -H "Connection: close" "$URL/" -o /dev/null
done
if ctl_until 5 ".totals[\"tcp.tcps_accepts\"] == $((acc0 + 7))" stat; then
	ok "stat: tcp.tcps_accepts $acc0 -> $((acc0 + 7)) after 7 curl connections"
else
	fail "stat: tcp.tcps_accepts $(printf '%s' "$CTL_LAST" | jq '.totals["tcp.tcps_accepts"]'), expected $((acc0 + 7))"
fi
rx1=$(fsctl --json ifconfig | jq '[.ifstat[].rx_packets] | add')
[ "$rx1" -ge $((rx0 + 7 * 5)) ] && ok "ifconfig: RX packets $rx0 -> $rx1 (>= 5 per connection)" ||
	fail "ifconfig: RX packets $rx0 -> $rx1"
fsctl stat -z | grep -qE "^tcp.tcps_accepts +$((acc0 + 7)) +" && ok "stat -z: tcp.tcps_accepts line" ||
	fail "stat -z: $(fsctl stat -z | grep accepts)"
fsctl netstat -s | grep -qE "^tcp:$" && fsctl netstat -s | grep -q "connections accepted" &&
	ok "netstat -s: grouped by protocol" || fail "netstat -s: $(fsctl netstat -s | head -5)"
fsctl netstat -i | grep -qE "^port0 +1500 +198.18.0.1/24" && ok "netstat -i: port0 row" ||
	fail "netstat -i: $(fsctl netstat -i)"

# --- netstat -an / ss -ti: the listener, and a connection held open ---
fsctl netstat -an | grep -qE "^tcp4 +0 +0 +0.0.0.0:80 +0.0.0.0:0 +LISTEN" &&
	ok "netstat -an: 0.0.0.0:80 LISTEN" || fail "netstat -an: $(fsctl netstat -an)"
ip netns exec "$NS_B" python3 -c '
import socket, sys, time
s = socket.create_connection(("198.18.0.1", 80))
print(s.getsockname()[1], flush=True)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.recv(4096)
time.sleep(6)
' >"$WORK/held.port" &
PIDS+=($!)
for _ in $(seq 100); do
	[ -s "$WORK/held.port" ] && break
	sleep 0.05
done
port=$(head -1 "$WORK/held.port")
sel=".tcp[] | select(.state == \"ESTABLISHED\" and .foreign == \"$PEER_IP:$port\")"
if ctl_until 5 "[$sel | select(.bytes_acked > 0)] | length == 1" ss -ti; then
	c=$(printf '%s' "$CTL_LAST" | jq -c "$sel")
	if jq -e '.local == "198.18.0.1:80" and .rtt_us > 0 and .rto_ms >= 200 and .cwnd >= 10
		and .sack == 1 and .ts == 1 and .wscale == 1 and .cc == "newreno"
		and .recvq == 0 and .sendq == 0' <<<"$c" >/dev/null; then
		ok "ss -ti --json: the held connection from port $port: $(jq -r '"rtt \(.rtt_us) us, rto \(.rto_ms) ms, cwnd \(.cwnd), sack/ts/wscale, \(.cc)"' <<<"$c")"
	else
		fail "ss -ti --json: $c"
	fi
else
	fail "ss -ti: no ESTABLISHED connection from $PEER_IP:$port: $CTL_LAST"
fi
fsctl ss -ti | grep -A1 "$PEER_IP:$port" | grep -qE "newreno wscale:[0-9]+,[0-9]+ ts sack .*rto:[0-9]+ rtt:[0-9.]+/[0-9.]+ .*cwnd:[0-9]+" &&
	ok "ss -ti: Linux-style info line" || fail "ss -ti: $(fsctl ss -ti)"
fsctl ss -tl | grep -qE "^tcp +LISTEN .*0.0.0.0:80" && ok "ss -tl: the listener only" ||
	fail "ss -tl: $(fsctl ss -tl)"

# --- route: add, see it, get, on the wire (ping from 10.9.0.5), del ---
ip -n "$NS_B" addr add 10.9.0.5/32 dev "$IF_B"
pingfrom() { ip netns exec "$NS_B" ping -n -q -c 2 -i 0.2 -W 1 -I 10.9.0.5 "$FS_IP" >/dev/null 2>&1; }
pingfrom && fail "ping from 10.9.0.5 answered before the route exists"
if fsctl route add 10.9.0.0/16 "$PEER_IP" &&
	fsctl --json route | jq -e ".route[] | select(.destination == \"10.9.0.0/16\" and .gateway == \"$PEER_IP\" and .interface == \"port0\")" >/dev/null &&
	[ "$(fsctl --json route get 10.9.3.4 | jq -r '.route[0].nexthop')" = "$PEER_IP" ] &&
	pingfrom; then
	ok "route add 10.9.0.0/16 via $PEER_IP: listed, route get gives the next hop, ping from 10.9.0.5 answered"
else
	fail "route add: $(fsctl route)"
fi
fsctl route del 10.9.0.0/16 && ! fsctl route | grep -q 10.9.0.0 && ! pingfrom &&
	ok "route del: gone, ping from 10.9.0.5 unanswered again" || fail "route del: $(fsctl route)"

# --- arp: the peer's entry, deleted, learnt again ---
pmac=$(mac_of "$NS_B" "$IF_B")
arpsel=".arp[] | select(.address == \"$PEER_IP\")"
if ctl_until 5 "[$arpsel | select((.mac | ascii_downcase) == \"$pmac\" and .state == \"reachable\")] | length == 1" arp; then
	ok "arp: $PEER_IP at $pmac reachable"
else
	fail "arp: $CTL_LAST"
fi
fsctl arp -d "$PEER_IP" && [ "$(fsctl --json arp | jq "[$arpsel] | length")" = 0 ] &&
	ok "arp -d: entry gone" || fail "arp -d: $(fsctl arp)"
curl_b -s --max-time 5 "$URL/" -o /dev/null
ctl_until 5 "[$arpsel | select(.state == \"reachable\")] | length == 1" arp &&
	ok "arp: learnt again after a curl" || fail "arp after curl: $CTL_LAST"

# --- sysctl: the TTL on the wire ---
ttl_seen() { ip netns exec "$NS_B" ping -n -c 1 -W 1 "$FS_IP" | sed -n 's/.*ttl=\([0-9]*\).*/\1/p'; }
[ "$(ttl_seen)" = 64 ] || fail "TTL before: $(ttl_seen)"
out=$(fsctl sysctl net.inet.ip.ttl=33)
if [ "$out" = "net.inet.ip.ttl: 64 -> 33" ] && [ "$(ttl_seen)" = 33 ] &&
	[ "$(fsctl --json sysctl net.inet.ip.ttl | jq -r '.knob[0].value')" = 33 ]; then
	ok "sysctl net.inet.ip.ttl=33: '$out', ping replies come with ttl=33"
else
	fail "sysctl: '$out', ttl seen $(ttl_seen)"
fi
fsctl sysctl net.inet.ip.ttl=64 >/dev/null
fsctl sysctl -d net.inet.ip.ttl | grep -q "range 1..255, default 64" && ok "sysctl -d: range and default" ||
	fail "sysctl -d: $(fsctl sysctl -d net.inet.ip.ttl)"
n=$(fsctl sysctl -a | wc -l)
nj=$(fsctl --json sysctl -a | jq '.knob | length')
[ "$n" -ge 40 ] && [ "$n" = "$nj" ] && ok "sysctl -a: $n knobs (--json the same)" || fail "sysctl -a: $n, json $nj"

# --- capture: pcapng to stdout, read by tcpdump, filtered by libpcap ---
"$FASTACK" -d "$WORK/ctl" capture -w - -c 6 icmp 2>"$WORK/cap.err" >"$WORK/cap.pcapng" &
CAP=$!
PIDS+=("$CAP")
cap_started() { # FILE -- waits (5 s at most) for the capture to be on
	for _ in $(seq 100); do grep -q "capturing on" "$1" && return 0; sleep 0.05; done
	fail "capture did not start: $(cat "$1")"
}
cap_started "$WORK/cap.err"
ip netns exec "$NS_B" ping -n -c 3 -i 0.2 "$FS_IP" >/dev/null
for _ in $(seq 100); do kill -0 "$CAP" 2>/dev/null || break; sleep 0.05; done
td=$(tcpdump -nn -r "$WORK/cap.pcapng" 2>/dev/null)
if [ "$(grep -c "IP $PEER_IP > $FS_IP: ICMP echo request" <<<"$td")" = 3 ] &&
	[ "$(grep -c "IP $FS_IP > $PEER_IP: ICMP echo reply" <<<"$td")" = 3 ] &&
	grep -q "6 packets captured, 0 dropped" "$WORK/cap.err"; then
	ok "capture -w - -c 6 icmp: tcpdump reads the 3 echo requests and 3 replies the test made"
else
	fail "capture icmp: $td $(cat "$WORK/cap.err")"
fi
("$FASTACK" -d "$WORK/ctl" capture -w - -c 3 tcp port 80 and 'tcp[tcpflags] & tcp-syn != 0' |
	tcpdump -nn -r - >"$WORK/td.txt" 2>/dev/null) 2>"$WORK/cap2.err" &
CAP=$!
PIDS+=("$CAP")
cap_started "$WORK/cap2.err"
curl_b -s --max-time 5 "$URL/" -o /dev/null
curl_b -s --max-time 5 "$URL/" -o /dev/null
wait "$CAP"
if [ "$(grep -c "Flags \[S\]" "$WORK/td.txt")" -ge 1 ] && [ "$(grep -c "Flags \[S.\]" "$WORK/td.txt")" -ge 1 ] &&
	[ "$(wc -l <"$WORK/td.txt")" = 3 ] && ! grep -q "Flags \[P" "$WORK/td.txt"; then
	ok "capture | tcpdump -r -: the filter keeps SYNs and SYN-ACKs of port 80 only"
else
	fail "capture with a filter: $(cat "$WORK/td.txt" "$WORK/cap2.err")"
fi

# --- metrics: Prometheus text, validated, values as the stack counts them ---
MPORT=$((20000 + $$ % 20000))
"$FASTACK" -d "$WORK/ctl" metrics --listen "127.0.0.1:$MPORT" 2>"$WORK/metrics.err" >/dev/null &
PIDS+=($!)
for _ in $(seq 100); do
	curl -s --max-time 2 "http://127.0.0.1:$MPORT/metrics" -o "$WORK/metrics.txt" && break
	sleep 0.05
done
acc=$(ctl_counter tcp.tcps_accepts)
if res=$(python3 "$HERE/prom_check.py" "$WORK/metrics.txt" 2>&1) &&
	grep -qE "^fastack_tcp_tcps_accepts_total\{process=\"[^\"]+\",stack=\"0\"\} $acc$" "$WORK/metrics.txt" &&
	grep -q '^# TYPE fastack_mem_pool_free gauge$' "$WORK/metrics.txt"; then
	ok "metrics: $res, fastack_tcp_tcps_accepts_total = $acc as stat says"
else
	fail "metrics: $res; $(grep tcps_accepts "$WORK/metrics.txt")"
fi
if command -v promtool >/dev/null; then
	promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.txt" 2>&1 &&
		ok "promtool check metrics: clean" || fail "promtool: $(head -5 "$WORK/promtool.txt")"
fi
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/nope")" = 404 ] &&
	ok "metrics: other paths 404" || fail "metrics: /nope not 404"

# --- under load: wrk, with top, metrics and the other tools polling ---
(
	end=$((SECONDS + 6))
	while [ $SECONDS -lt $end ]; do
		for c in stat "ss -ta" arp route ifconfig; do
			# shellcheck disable=SC2086
			fsctl --json $c >/dev/null || echo "fastack $c failed"
		done
		sleep 0.1
	done
) >"$WORK/poll.log" 2>&1 &
PIDS+=($!)
poller=$!
(
	end=$((SECONDS + 6))
	while [ $SECONDS -lt $end ]; do
		curl -sf --max-time 2 "http://127.0.0.1:$MPORT/metrics" -o /dev/null || echo "scrape failed"
		sleep 1
	done
) >"$WORK/scrape.log" 2>&1 &
PIDS+=($!)
scraper=$!
"$FASTACK" -d "$WORK/ctl" top -b -n 3 >"$WORK/top.txt" 2>&1 &
PIDS+=($!)
topper=$!
in_b taskset -c "$FASTACK_PYCPU" wrk -t1 -c10 -d5s --timeout 2s "$URL/" >"$WORK/wrk.txt" 2>&1
wait "$poller" "$topper" "$scraper"
reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/wrk.txt")
if [ "${reqs:-0}" -gt 1000 ] && ! grep -qE "Socket errors|Non-2xx" "$WORK/wrk.txt" && [ ! -s "$WORK/poll.log" ] && [ ! -s "$WORK/scrape.log" ]; then
	ok "wrk: $reqs requests, 0 errors, while the tools polled every 0.1 s and metrics were scraped every 1 s"
else
	fail "wrk under polling: $(cat "$WORK/wrk.txt" "$WORK/poll.log" "$WORK/scrape.log")"
fi
busy=$(awk '$1 == "0" && $2 > 100 && $4 > 100 { n++ } END { print n + 0 }' "$WORK/top.txt")
[ "$busy" -ge 2 ] && ok "top -b: stack 0 above 100 rx and tx pkt/s in $busy of 3 refreshes" ||
	fail "top -b: $(cat "$WORK/top.txt")"

sock=$(fsctl --json ps | jq -r '.socket')
stop_fastack
[ ! -e "$sock" ] && ok "socket removed at exit" || fail "$sock left behind"
finish
