#!/bin/bash
# examples/co_proxy (coroutines, blocking-style code) on net_af_packet:
# Linux client -> fastack proxy (198.18.0.1:8080) -> Linux server
# (python3 http.server on 198.18.0.2:8000), both legs on the fastack stack.
# A small file, then a 1 GiB file of random bytes: curl's body must hash
# equal to the file; the proxy counts the bytes both ways, every coroutine
# ends and every socket is closed at the stop.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/co_proxy
SIZE=${CO_PROXY_BYTES:-$GiB}
need_bin "$BIN"
need_tools curl python3
need_root_netns
topo_veth || { fail "topology"; finish; }
serve_files_b "$SIZE" 480
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_PROXY_PORT=8080 FASTACK_PROXY_UPSTREAM=$PEER_IP:8000 \
	start_fastack co_proxy "$BIN" "$WORK/fastack.ini" 480 || finish

# get FILE SECS -- through the proxy; compare the hashes
get() {
	local want got t0 secs
	want=$(sha256sum <"$WORK/www/$1" | cut -d' ' -f1)
	t0=$(date +%s.%N)
	got=$(curl_b -s --max-time "$2" "http://$FS_IP:8080/$1" | sha256sum | cut -d' ' -f1)
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	log "$1: $(stat -c %s "$WORK/www/$1") bytes in $secs s"
	hash_is "GET /$1 through the proxy" "$got" "$want"
}
get small.bin 30
get big.bin 400 # 30 s on an idle machine; 180 s seen with 7 jobs per cpu

stop_fastack
grep -E "^co_proxy: stopped" "$FS_LOG" | sed 's/^/    /'
expect_server_stat "upstream connect errors" 0
expect_server_stat "open" 0
expect_server_stat "copy errors" 0
down=$(server_stat down)
[ "${down:-0}" -ge "$SIZE" ] && ok "proxy carried $down bytes down" ||
	fail "proxy carried ${down:-0} bytes down, expected >= $SIZE"
expect_no_drops
expect_sockets_balanced
finish
