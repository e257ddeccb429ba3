#!/bin/bash
# F-Stack's own configuration file runs fastack: udp_echo on the shape of
# F-Stack's stock config.ini (tests/unit/conf/fstack_stock.ini, with this
# topology's lcore, addresses and vdev), plus [pcap] enable=1 with a small
# savelen and idle_sleep=100.  Checks: one "ignored" warning per key that
# has no effect, at start-up; ping gets every reply; the loop slept when idle
# (loop.loop_sleeps); the capture rotated through several files, none past
# savelen, every record cut to snaplen with its length kept.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }

CONF=$WORK/fastack.ini
SAVELEN=4096
SNAPLEN=96
mask=$(printf '0x%x' $((1 << FASTACK_LCORE)))
# Section-aware edits of the stock-shaped file: this topology's values, and
# the fastack keys the topology needs (no hugepages, the af_packet vdev).
awk -v mask="$mask" -v work="$WORK" -v savelen="$SAVELEN" -v vdev="net_af_packet0,iface=$IF_A" '
	/^\[/ { sec = $0 }
	sec == "[dpdk]" && /^lcore_mask=/ { print "lcore_mask=" mask; next }
	sec == "[dpdk]" && /^idle_sleep=/ { print "idle_sleep=100"; next }
	sec == "[dpdk]" && /^port_list=/ {
		print; print "no_huge=1"; print "nb_mbufs=8191"
		print "eal_args=--no-pci --vdev=" vdev; next
	}
	sec == "[pcap]" && /^enable=/ { print "enable=1"; next }
	sec == "[pcap]" && /^savelen=/ { print "savelen=" savelen; next }
	sec == "[pcap]" && /^savepath=/ { print "savepath=" work; next }
	sec == "[port0]" && /^addr=/ { print "addr=198.18.0.1"; next }
	sec == "[port0]" && /^broadcast=/ { print "broadcast=198.18.0.255"; next }
	sec == "[port0]" && /^gateway=/ { print "gateway=198.18.0.2"; next }
	{ print }
' "$ROOT/tests/unit/conf/fstack_stock.ini" >"$CONF"
grep -q "^savepath=$WORK" "$CONF" || { fail "could not edit the configuration"; finish; }

start_fastack udp_echo "$ECHO" "$CONF" || finish
n=$(grep -c "^fastack: warning: $CONF:[0-9]*: \[[a-z0-9.]*\] [a-z0-9_.]*: ignored: " "$FS_LOG")
if [ "$n" = 31 ]; then
	ok "31 'ignored' warnings at start-up, e.g. $(grep -m1 "ignored: " "$FS_LOG")"
else
	fail "$n 'ignored' warnings at start-up, expected 31:"
	grep "warning" "$FS_LOG" | sed 's/^/    | /'
fi
ping_check 50 56
ping_check 20 1472
stop_fastack
expect_counter_ge icmp.icps_outhist_echoreply 70
expect_counter_ge loop.loop_sleeps 1
expect_counter_eq port.pcap_errors 0

# The capture: cpu<lcore>_port0_<n>.pcap in savepath.
out=$(python3 - "$WORK" "cpu${FASTACK_LCORE}_port0_" "$SAVELEN" "$SNAPLEN" <<'PY'
import os, struct, sys
work, prefix, savelen, snaplen = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
files = sorted(f for f in os.listdir(work) if f.startswith(prefix) and f.endswith(".pcap"))
records = cut = 0
for f in files:
    data = open(os.path.join(work, f), "rb").read()
    assert len(data) <= savelen, f"{f}: {len(data)} bytes > savelen"
    magic, _, _, _, _, snap, link = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xa1b2c3d4 and snap == snaplen and link == 1, f"{f}: header"
    off = 24
    while off < len(data):
        _, _, caplen, length = struct.unpack("<IIII", data[off:off + 16])
        assert caplen == min(length, snaplen), f"{f}: caplen {caplen} of {length}"
        cut += length > snaplen
        records += 1
        off += 16 + caplen
    assert off == len(data), f"{f}: trailing bytes"
print(len(files), records, cut)
PY
)
rc=$?
read -r nfiles nrec ncut <<<"$out"
if [ $rc = 0 ] && [ "${nfiles:-0}" -ge 3 ] && [ "${nrec:-0}" -ge 140 ] && [ "${ncut:-0}" -ge 100 ]; then
	ok "capture: $nfiles files of at most $SAVELEN bytes, $nrec records, $ncut cut to $SNAPLEN bytes"
else
	fail "capture: $out"
	ls -l "$WORK" | sed 's/^/    | /'
fi
finish
