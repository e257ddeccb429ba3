#!/bin/bash
# (b) ARP both ways.
#  0. fastack announces itself at start: with arp_accept=1 Linux makes a
#     neighbour entry from the gratuitous ARP alone (nothing else is sent
#     yet), holding fastack's MAC; arp.arp_txgratuitous counts it.
#  1. fastack resolves the peer: Linux has a static entry for 198.18.0.1 and
#     never asks; the echo reply can only leave after fastack's own ARP
#     request is answered (arp.arp_txrequests, arp.arp_rxreplies).
#  2. Linux resolves fastack: with the static entry gone, a ping makes Linux
#     ask; its neighbour table then holds fastack's MAC (ip neigh), and
#     fastack counted the request and its reply.
. "$(dirname "$0")/lib.sh"
ECHO=$BUILD/examples/udp_echo
need_bin "$ECHO"
need_root_netns
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
MAC_A=$(mac_of "$NS_A" "$IF_A")
MAC_B=$(mac_of "$NS_B" "$IF_B")
log "fastack MAC $MAC_A, peer MAC $MAC_B"
in_b sysctl -qw net.ipv4.conf."$IF_B".arp_accept=1
start_fastack udp_echo "$ECHO" "$WORK/fastack.ini" || finish
n=
for _ in $(seq 40); do
	n=$(in_b ip neigh show "$FS_IP" dev "$IF_B")
	echo "$n" | grep -qi "lladdr $MAC_A" && break
	sleep 0.05
done
if echo "$n" | grep -qi "lladdr $MAC_A"; then
	ok "gratuitous ARP at start: Linux learnt fastack's MAC unasked ($n)"
else
	fail "no gratuitous ARP seen by Linux: neighbour entry '$n'"
fi
in_b sysctl -qw net.ipv4.conf."$IF_B".arp_accept=0
in_b ip neigh replace "$FS_IP" lladdr "$MAC_A" nud permanent dev "$IF_B"

if udp_check --count 20 --window 1 --min 16 --max 64 --timeout 3; then
	ok "UDP echo with a static entry on the Linux side: fastack resolved $PEER_IP"
else
	fail "no UDP echo: fastack did not resolve $PEER_IP"
fi
in_b ip neigh del "$FS_IP" dev "$IF_B"
ping_check 3 56
n=$(in_b ip neigh show "$FS_IP" dev "$IF_B")
if echo "$n" | grep -qi "lladdr $MAC_A" && ! echo "$n" | grep -Eq "FAILED|INCOMPLETE"; then
	ok "Linux neighbour table: $n"
else
	fail "Linux neighbour table has no entry for fastack's MAC $MAC_A: '$n'"
fi
stop_fastack
show_counters '^arp\.'
expect_counter_ge arp.arp_txgratuitous 1
expect_counter_ge arp.arp_txrequests 1
expect_counter_ge arp.arp_rxreplies 1
expect_counter_ge arp.arp_rxrequests 1
expect_counter_ge arp.arp_txreplies 1
finish
