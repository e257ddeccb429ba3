#!/bin/sh
# port_pmd.sh: runs test_port_pmd on the virtual PMDs this machine has, each
# in a fresh network namespace of its own (prefix "fpt"; addresses
# 198.18.77.0/24 only inside it).  Needs root; exits 77 (meson: skipped)
# when it cannot create a namespace.
#
# Usage: port_pmd.sh path/to/test_port_pmd [pmd...]
#   pmds: af_packet af_packet_pair af_xdp af_xdp_pair tap memif (default: all)
# Experiments: AFP_ARGS=,qpairs=2 / AFXDP_ARGS=,... append devargs;
# PMD_QUEUES=N sets devices up with N queue pairs (the kernel checks then
# fail: replies land on queues the test does not poll).
set -u
BIN=$1
shift
PMDS=${*:-"af_packet af_packet_pair af_xdp af_xdp_pair tap memif"}
TAG=fpt$$

if [ "$(id -u)" != 0 ]; then
	echo "skip: needs root (network namespaces)"
	exit 77
fi
if ! ip netns add "${TAG}probe" 2>/dev/null; then
	echo "skip: cannot create a network namespace"
	exit 77
fi
ip netns del "${TAG}probe"

EAL="--no-huge --no-pci --no-shconf -l 0 -m 512 --log-level=error --no-telemetry"
NS=""
X=""

ns_up() {
	NS="${TAG}$1"
	X="ip netns exec $NS"
	ip netns add "$NS" || return 1
	$X ip link set lo up
	$X sysctl -qw net.ipv4.icmp_ratelimit=0
	$X ip link add fptA type veth peer name fptB || return 1
	$X ip link set fptA up
	$X ip link set fptB up
}

ns_down() {
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	NS=""
}
trap ns_down EXIT

rc=0
run() {
	name=$1
	shift
	echo "== $name"
	$X "$BIN" $EAL --file-prefix="$NS" "$@"
	st=$?
	if [ $st != 0 ]; then
		echo "== $name: FAILED (exit status $st$([ $st -gt 128 ] && echo ", signal $((st - 128))"))"
		rc=1
	fi
}

for pmd in $PMDS; do
	ns_up "$pmd" || { echo "== $pmd: namespace setup failed"; rc=1; ns_down; continue; }
	case $pmd in
	af_packet)
		$X ip addr add 198.18.77.2/24 dev fptB
		run "$pmd" --vdev=net_af_packet0,iface=fptA${AFP_ARGS:-} -- kernel ;;
	af_packet_pair)
		run "$pmd" --vdev=net_af_packet0,iface=fptA --vdev=net_af_packet1,iface=fptB -- pair ;;
	af_xdp)
		$X ip addr add 198.18.77.2/24 dev fptB
		run "$pmd" --vdev=net_af_xdp0,iface=fptA${AFXDP_ARGS:-} -- kernel ;;
	af_xdp_pair)
		run "$pmd" --vdev=net_af_xdp0,iface=fptA --vdev=net_af_xdp1,iface=fptB -- pair ;;
	tap)
		run "$pmd" --vdev=net_tap0,iface=fpttap0 -- kernel \
			--hook "ip addr add 198.18.77.2/24 dev fpttap0 && ip link set fpttap0 up" ;;
	memif)
		run "$pmd" --vdev=net_memif0,role=server,id=0,socket=/run/$NS.sock \
			--vdev=net_memif1,role=client,id=0,socket=/run/$NS.sock -- pair ;;
	*)
		echo "unknown pmd $pmd"
		rc=1 ;;
	esac
	ns_down
done
exit $rc
