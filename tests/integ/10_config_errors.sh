#!/bin/bash
# (f) A broken configuration is refused before anything starts: a clear
# message naming file:line (and the key), and a non-zero exit status.
# Needs neither root nor namespaces: the config is read before the EAL.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"

# bad_conf NAME EXPECT_REGEX [ARGS...] -- config text on stdin; runs
# udp_echo on it (with ARGS after --conf).
bad_conf() {
	local name=$1 expect=$2 conf=$WORK/$1.ini out rc
	shift 2
	cat >"$conf"
	out=$(timeout -k 2 20 $ECHO --conf "$conf" "$@" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
		fail "$name: exit status $rc, expected a refusal"
	elif ! echo "$out" | grep -Eq -- "$expect"; then
		fail "$name: message does not match /$expect/:"
		echo "$out" | sed 's/^/    | /'
	else
		ok "$name: exit $rc: $(echo "$out" | grep -E -- "$expect" | head -1)"
	fi
}

bad_conf unknown_key "$WORK/unknown_key.ini:5:.*adress" <<'C'
[dpdk]
port_list=0
eal_args=--no-pci
[port0]
adress=198.18.0.1
netmask=255.255.255.0
C

bad_conf bad_address "$WORK/bad_address.ini:4:.*addr" <<'C'
[dpdk]
port_list=0
[port0]
addr=198.18.0.300
netmask=255.255.255.0
C

bad_conf bad_number "$WORK/bad_number.ini:3:.*nb_mbufs" <<'C'
# a comment
[dpdk]
nb_mbufs=lots
C

bad_conf fault_range "$WORK/fault_range.ini:4:.*fault_loss" <<'C'
[port0]
addr=198.18.0.1
netmask=255.255.255.0
fault_loss=1.5
C

bad_conf unknown_knob "$WORK/unknown_knob.ini:2:.*net.inet.udp.nosuchknob" <<'C'
[freebsd.sysctl]
net.inet.udp.nosuchknob=1
C

bad_conf unknown_section "$WORK/unknown_section.ini:1:.*nosuch" <<'C'
[nosuch]
a=b
C

# A netmask whose one bits are not contiguous, and one that is no address.
bad_conf bad_netmask "$WORK/bad_netmask.ini:5:.*netmask.*255\.0\.255\.0.*not a contiguous netmask" <<'C'
[dpdk]
port_list=0
[port0]
addr=198.18.0.1
netmask=255.0.255.0
C

bad_conf netmask_prefix_len "$WORK/netmask_prefix_len.ini:5:.*netmask.*'24'.*not an IPv4 address" <<'C'
[dpdk]
port_list=0
[port0]
addr=198.18.0.1
netmask=24
C

# An F-Stack key whose value asks for what fastack does not do.
bad_conf fstack_bonding "$WORK/fstack_bonding.ini:4:.*nb_bond.*bonding is not implemented" <<'C'
[dpdk]
port_list=0
nb_vdev=0
nb_bond=2
C

# A misspelt FreeBSD sysctl is not taken for one of those fastack ignores.
bad_conf fstack_typo "$WORK/fstack_typo.ini:2:.*forwardng.*did you mean net.inet.ip.forwarding" <<'C'
[freebsd.sysctl]
net.inet.ip.forwardng=0
C

# Several lcores run as threads of one process (issue 9); what cannot run is
# refused before the EAL starts, with the fix.  An lcore that is not a CPU
# of this machine:
bad_conf no_such_lcore "$WORK/no_such_lcore.ini:2:.*lcore_mask: 0x8000000000000001 names lcore 63, which is not a CPU this process may run on.*use a mask within" <<'C'
[dpdk]
lcore_mask=0x8000000000000001
port_list=0
[port0]
addr=198.18.0.1
netmask=255.255.255.0
C
# A proc-id outside the mask:
bad_conf proc_id_outside "proc-id 2: lcore_mask 0x3 has 2 lcores, so proc-id must be 0..1" \
	--proc-id=2 <<'C'
[dpdk]
lcore_mask=3
port_list=0
[port0]
addr=198.18.0.1
netmask=255.255.255.0
C
# Processes mode with several lcores (not built: threads mode is):
bad_conf processes_mode "lcore_mask: 0x3 selects 2 lcores, which run as 2 threads of one primary process; processes mode with several lcores \(--proc-type=secondary --proc-id=1\) is not built: run one process with --proc-type=primary --proc-id=0" \
	--proc-type=secondary --proc-id=1 <<'C'
[dpdk]
lcore_mask=3
port_list=0
[port0]
addr=198.18.0.1
netmask=255.255.255.0
C
# More queues than the device has, with software RSS turned off: a veth
# interface in a namespace of this test's own, net_af_packet on it (one
# queue pair); the message names the device and both fixes.  Needs root.
if [ "$NPROC" -ge 2 ] && [ "$(id -u)" = 0 ] && ip netns add "$TAG-q" 2>/dev/null; then
	NSES+=("$TAG-q")
	ip -n "$TAG-q" link add d0 type veth peer name d1 && ip -n "$TAG-q" link set d0 up
	ECHO_REAL=$ECHO
	ECHO="ip netns exec $TAG-q $ECHO_REAL"
	bad_conf too_many_queues "port 0 \(net_af_packet0, net_af_packet\): 2 queues wanted, the device has at most 1 RX and 1 TX queues \(af_packet: qpairs=N; af_xdp: queue_count=N; or \[dpdk\] soft_rss=1 to share fewer queues in software\)" <<'C'
[dpdk]
lcore_mask=3
soft_rss=0
no_huge=1
port_list=0
eal_args=--no-pci --vdev=net_af_packet0,iface=d0
[port0]
addr=198.18.0.1
netmask=255.255.255.0
C
	ECHO=$ECHO_REAL
else
	log "too_many_queues: not checked (needs root, namespaces and two CPUs)"
fi

# A file that does not exist.
out=$(timeout -k 2 20 "$ECHO" --conf "$WORK/missing.ini" 2>&1)
rc=$?
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && echo "$out" | grep -q "$WORK/missing.ini"; then
	ok "missing file: exit $rc: $(echo "$out" | grep -F "$WORK/missing.ini" | head -1)"
else
	fail "missing file: exit $rc:"
	echo "$out" | sed 's/^/    | /'
fi
finish
