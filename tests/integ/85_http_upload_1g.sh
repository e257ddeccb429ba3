#!/bin/bash
# A 1 GiB upload (curl -T of random bytes, POST /hash to
# examples/helloworld_epoll on net_af_packet) under the stack's fault
# injection: 2% of frames lost and 1% reordered in each direction.  The
# SHA-256 the server computes must equal sha256sum of the file (fastack is
# the receiver here: reassembly, SACK blocks, window updates).
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld_epoll
SIZE=${HTTP_UPLOAD_BYTES:-$GiB}
need_bin "$BIN"
need_tools curl
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)" fault_loss=0.02 fault_reorder=0.01 fault_seed=85
FASTACK_HTTP_PORT=80 start_fastack helloworld_epoll "$BIN" "$WORK/fastack.ini" 300 || finish

head -c "$SIZE" /dev/urandom >"$WORK/upload.bin"
want=$(sha256sum <"$WORK/upload.bin" | cut -d' ' -f1)
t0=$(date +%s.%N)
got=$(curl_b -s --max-time 200 -X POST -T "$WORK/upload.bin" "http://$FS_IP/hash")
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
rm -f "$WORK/upload.bin"
log "curl: $SIZE bytes uploaded in $secs s ($(awk -v s="$SIZE" -v t="$secs" \
	'BEGIN { printf "%.1f", s / t / 1e6 }') MB/s)"
hash_is "POST /hash of $SIZE bytes at 2% loss, 1% reordering" "$got" "$want"

stop_fastack
grep -E ": (stopped|bytes in)" "$FS_LOG" | sed 's/^/    /'
show_counters '^(port\.fault_|tcp\.tcps_(rcvoopack|rcvduppack|pawsdrop|sack_send_blocks|sndwinup))'
expect_counter_ge port.fault_lost 1000
expect_counter_ge tcp.tcps_rcvoopack 1000
expect_server_stat "body" "$SIZE"
expect_no_drops
finish
