#!/bin/bash
# fastack as the HTTP client: examples/http_get (net_af_packet) downloads a
# file of random bytes from python3 http.server in the Linux namespace:
# 1 MiB without impairment, then 1 GiB with the stack's fault injection at
# 2% loss and 1% reordering; each body's SHA-256 (computed by http_get as
# it arrives) must equal sha256sum of the file.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/http_get
SIZE=${HTTP_CLIENT_BYTES:-$GiB}
need_bin "$BIN"
need_tools python3
need_root_netns
topo_veth || { fail "topology"; finish; }
serve_files_b "$SIZE"

# get NAME FILE CONF SECS -- http_get FILE, compare the hashes
get() {
	local name=$1 file=$2 want got
	FS_LOG=$WORK/http_get-$name.log
	want=$(sha256sum <"$WORK/www/$file" | cut -d' ' -f1)
	if ip netns exec "$NS_A" timeout -k 5 $(($4 + 20)) env FASTACK_CLIENT_TIMEOUT_S="$4" \
		"$BIN" --conf "$3" -- "$PEER_IP" 8000 "/$file" >"$FS_LOG" 2>&1; then
		log "$(grep "body bytes" "$FS_LOG")"
	else
		fail "http_get /$file:"
		grep -v '^[a-z]*\.' "$FS_LOG" | sed 's/^/    | /'
	fi
	got=$(sed -n 's/^http_get: sha256 //p' "$FS_LOG")
	hash_is "http_get /$file ($name)" "$got" "$want"
	expect_no_drops
}
write_conf "$WORK/clean.ini" "$(fs_vdev)"
get clean small.bin "$WORK/clean.ini" 30
write_conf "$WORK/faults.ini" "$(fs_vdev)" fault_loss=0.02 fault_reorder=0.01 fault_seed=86
get "2% loss, 1% reordering" big.bin "$WORK/faults.ini" 200
show_counters '^(port\.fault_(lost|reordered)|tcp\.tcps_(rcvoopack|pawsdrop|connects))'
expect_counter_ge port.fault_lost 1000
expect_counter_eq tcp.tcps_connects 1
finish
