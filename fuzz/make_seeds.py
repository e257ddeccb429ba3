#!/usr/bin/env python3
"""make_seeds.py DIR: writes a seed corpus of valid frames for fuzz_frame
(to 02:00:00:00:00:01 / 198.18.0.1 from 198.18.0.2): ARP request, ICMP echo,
UDP to port 7 and to a closed port, TCP SYN to port 80, a VLAN-tagged frame."""
import os
import struct
import sys

US_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 2])
US = bytes([198, 18, 0, 1])
PEER = bytes([198, 18, 0, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(t, payload, dst=US_MAC):
    return dst + PEER_MAC + struct.pack("!H", t) + payload


def ip(proto, l4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, 64, proto, 0, PEER, US)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4


def l4sum(proto, l4):
    return csum(PEER + US + struct.pack("!BBH", 0, proto, len(l4)) + l4)


def udp(dport, data):
    u = struct.pack("!HHHH", 40000, dport, 8 + len(data), 0) + data
    return u[:6] + struct.pack("!H", l4sum(17, u) or 0xFFFF) + u[8:]


def tcp_syn(dport):
    opts = bytes([2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10]) + b"\0" * 8
    t = struct.pack("!HHIIBBHHH", 40000, dport, 1000, 0, (5 + len(opts) // 4) << 4, 0x02, 65535, 0, 0) + opts
    return t[:16] + struct.pack("!H", l4sum(6, t)) + t[18:]


def icmp_echo(n):
    m = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + bytes(range(256))[:n]
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER, b"\0" * 6, US)
seeds = {
    "arp_request": eth(0x0806, arp, dst=b"\xff" * 6),
    "icmp_echo": eth(0x0800, ip(1, icmp_echo(56))),
    "udp_echo": eth(0x0800, ip(17, udp(7, b"hello"))),
    "udp_closed": eth(0x0800, ip(17, udp(9, b"x"))),
    "tcp_syn": eth(0x0800, ip(6, tcp_syn(80))),
    "vlan": US_MAC + PEER_MAC + struct.pack("!HH", 0x8100, 100) + struct.pack("!H", 0x0800) + ip(1, icmp_echo(8)),
}
os.makedirs(sys.argv[1], exist_ok=True)
for name, frame in seeds.items():
    with open(os.path.join(sys.argv[1], name), "wb") as f:
        f.write(frame)
