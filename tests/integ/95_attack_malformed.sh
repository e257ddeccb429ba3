#!/bin/bash
# Malformed frames against examples/helloworld (kqueue) on net_af_packet:
# attack.py sends ATTACK_MALFORMED (4,000 times ATTACK_SCALE) frames of 24
# kinds built with scapy (runts, truncated and bad-length IP, bad IP/TCP/UDP
# checksums, bad version and header lengths, IP and TCP option garbage,
# fragments, bad source addresses, unknown protocols, random TCP flags,
# fuzzed TCP and ICMP, bogus and truncated ARP, VLAN and ethertype junk)
# while a curl runs every 0.25 s and a 16 MiB download is in flight.
# Checks: every curl answered, the download hash-checks, ping, ARP and curl
# answered after; the drops are counted (IP, TCP, UDP, ICMP and ARP drop
# counters all moved); the server exits cleanly.  .ci/run's ASan pass runs
# this under ASan/UBSan, where any memory error fails it.
# The fragments never reach the stack here: net_af_packet's socket joins a
# fanout group with the kernel's defragmentation flag, so the kernel holds
# incomplete fragments (port.rx_packets does not count them); on other
# PMDs they reach ip4 and are counted as ips_fragments.
TAG=fsa-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
N=$(scaled "${ATTACK_MALFORMED:-4000}")
BYTES=$((16 << 20))
attack_server

log "$N malformed frames while curl runs"
probe_start 8
download_start "$BYTES" 4M
sleep 0.5
attack_run 50 malformed "$N"
probe_check
download_check
served_after

attack_stop '^$'
# The drop counters of each layer, by name (descriptions say "dropped").
awk '$2 ~ /^[0-9]+$/ && $0 ~ /dropped|ignored|bad/ { printf "    %-28s %s\n", $1, $2 }' "$FS_LOG"
for layer in eth ip tcp udp icmp arp; do
	d=$(awk -v l="$layer." 'index($1, l) == 1 && $2 ~ /^[0-9]+$/ && $0 ~ /dropped|ignored/ {
		s += $2 } END { print s + 0 }' "$FS_LOG")
	if [ "$d" -gt 0 ]; then
		ok "$layer: $d frames counted as dropped or ignored"
	else
		fail "$layer: no drop counted"
	fi
done
expect_sockets_balanced
finish
