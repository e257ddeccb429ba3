#!/bin/bash
# udp_rr.sh: UDP request/response transactions per second, fastack vs Linux.
#
#   fastack: examples/udp_echo (memif server, lcore 0)  <-- net_memif -->
#            bench/udp_rr_client (memif client, lcore 1), both on the ff_* API
#   kernel:  bench/kernel_udp server (cpu 0)  <-- loopback -->
#            bench/kernel_udp client (cpu 1), the same logic on Linux sockets
#
# Each side is measured with 1 request outstanding (round-trip latency bound)
# and with a window of several (throughput bound), in the same run; the
# script prints both figures and their ratio.  A benchmark, not a test: it
# fails only if a side does not answer at all.  Needs root (DPDK) and a
# build: BUILD=build bash bench/udp_rr.sh
#
# Knobs (environment): RR_SECONDS (3 per figure), RR_WINDOWS (1,32),
# RR_SIZE (64 bytes), RR_HUGE (0: --no-huge; 1: use hugepages).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SECS=${RR_SECONDS:-3}
WINDOWS=${RR_WINDOWS:-1,32}
SIZE=${RR_SIZE:-64}
HUGE=${RR_HUGE:-0}
ECHO=$BUILD/examples/udp_echo
CLIENT=$BUILD/bench/udp_rr_client
KUDP=$BUILD/bench/kernel_udp
WORK=$(mktemp -d /tmp/fsi-bench.XXXXXX)
SOCK=/run/fsi-bench-$$.memif
KPORT=${RR_KERNEL_PORT:-17007}
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -f "$SOCK"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in "$ECHO" "$CLIENT" "$KUDP"; do
	[ -x "$b" ] || { echo "udp_rr: $b not built (BUILD=$BUILD)"; exit 1; }
done
if [ "$(nproc)" -ge 2 ]; then
	CPU_S=0 CPU_C=1
else
	CPU_S=0 CPU_C=0
	echo "udp_rr: one cpu only: both sides share it, figures will be poor"
fi

conf() { # file lcore role addr
	cat >"$1" <<C
[dpdk]
lcore_mask=$(printf '0x%x' $((1 << $2)))
port_list=0
no_huge=$((1 - HUGE))
nb_mbufs=8191
eal_args=--no-pci --vdev=net_memif0,role=$3,id=0,socket=$SOCK
[port0]
addr=$4
netmask=255.255.255.0
C
}

echo "== fastack over net_memif (server on lcore $CPU_S, client on lcore $CPU_C)"
conf "$WORK/server.ini" "$CPU_S" server 198.18.1.1
conf "$WORK/client.ini" "$CPU_C" client 198.18.1.2
FASTACK_ECHO_PORT=7 timeout -k 5 $((SECS * 10 + 60)) "$ECHO" --conf "$WORK/server.ini" \
	>"$WORK/server.log" 2>&1 &
SPID=$!
PIDS+=("$SPID")
# ff_init waits for the link, and a memif link comes up only when both
# ends exist: so the client starts right away, and its warm-up waits.
sleep 0.5
if ! kill -0 "$SPID" 2>/dev/null; then
	echo "udp_rr: the fastack echo server did not start:"
	cat "$WORK/server.log"
	exit 1
fi
FASTACK_RR_DST=198.18.1.1 FASTACK_RR_PORT=7 FASTACK_RR_SECONDS=$SECS \
	FASTACK_RR_WINDOWS=$WINDOWS FASTACK_RR_SIZE=$SIZE \
	timeout -k 5 $((SECS * 10 + 60)) "$CLIENT" --conf "$WORK/client.ini" >"$WORK/client.log" 2>&1
crc=$?
kill -TERM "$SPID"
wait "$SPID"
grep '^RESULT' "$WORK/client.log"
if [ $crc != 0 ]; then
	echo "udp_rr: fastack client failed (exit $crc):"
	cat "$WORK/client.log"
	echo "-- server:"
	cat "$WORK/server.log"
	exit 1
fi
echo "   server: $(grep "stopped:" "$WORK/server.log")"
echo "   server loop: $(awk '$1 ~ /^loop\./ { printf "%s=%s ", $1, $2 }' "$WORK/server.log")"
echo "   client loop: $(awk '$1 ~ /^loop\./ { printf "%s=%s ", $1, $2 }' "$WORK/client.log")"

echo "== Linux sockets over loopback (server on cpu $CPU_S, client on cpu $CPU_C)"
taskset -c "$CPU_S" "$KUDP" server "$KPORT" >"$WORK/kserver.log" 2>&1 &
KPID=$!
PIDS+=("$KPID")
for _ in $(seq 100); do
	grep -q "listening on" "$WORK/kserver.log" && break
	sleep 0.05
done
taskset -c "$CPU_C" timeout -k 5 $((SECS * 10 + 30)) "$KUDP" client 127.0.0.1 "$KPORT" "$SECS" \
	"$WINDOWS" "$SIZE" >"$WORK/kclient.log" 2>&1
krc=$?
kill -TERM "$KPID"
wait "$KPID"
grep '^RESULT' "$WORK/kclient.log"
if [ $krc != 0 ]; then
	echo "udp_rr: kernel client failed (exit $krc):"
	cat "$WORK/kclient.log"
	exit 1
fi

echo
echo "UDP request/response, $SIZE-byte requests, $SECS s per figure"
printf '%-8s %20s %20s %8s\n' window "fastack (memif)" "kernel (loopback)" ratio
IFS=, read -ra WS <<<"$WINDOWS"
for w in "${WS[@]}"; do
	f=$(sed -n "s/^RESULT fastack window=$w .* tps=\([0-9]*\).*/\1/p" "$WORK/client.log")
	k=$(sed -n "s/^RESULT kernel window=$w .* tps=\([0-9]*\).*/\1/p" "$WORK/kclient.log")
	r=$(awk -v f="${f:-0}" -v k="${k:-0}" 'BEGIN { if (k > 0) printf "%.2fx", f / k; else print "-" }')
	printf '%-8s %18s/s %18s/s %8s\n' "$w" "${f:-?}" "${k:-?}" "$r"
done
