#!/usr/bin/env python3
"""make_seeds.py [--frame|--tcp|--config|--ctl|--packetdrill] DIR: writes a seed
corpus for one fuzz target (fuzz/README.md).

--frame (the default): valid frames for fuzz_frame (to 02:00:00:00:00:01 /
  198.18.0.1 from 198.18.0.2): ARP request, ICMP echo, UDP to port 7 and to
  a closed port, TCP SYN to port 80, a VLAN-tagged frame.
--tcp: for fuzz_tcp, every scenario (a connection driven to each TCP state)
  under several knob sets, and operation sequences that work on them: data
  both ways, old and future sequence numbers, RST and SYN in a synchronized
  state, SACK blocks, zero windows, time running out, TIME_WAIT reused.
--config: for fuzz_config, the INI files of tests/unit/conf and a minimal
  one, with and without command-line arguments.
--ctl: for fuzz_ctl, one request of each kind the control channel takes
  (src/ctl/ctl_proto.c), valid and slightly wrong.
--packetdrill: for fuzz_packetdrill, a passive and an active open driven
  through the adapter's calls and packets, data both ways, and their close.

The operation encodings are those of the targets' header comments."""
import glob
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


# ---- fuzz_tcp ----
# Opcodes (op % 10) and their arguments, as fuzz_tcp.c reads them.
DELIVER, DROP, MUTATE, DUP, SWAP, INJECT, TIME, APP, FLUSH, ICMP = range(10)
A, B = 0, 1  # q[0]: frames from a; q[1]: frames from b
SCEN = dict(none=0, syn_sent=1, syn_received=2, established=3, fin_wait_1=4, fin_wait_2=5,
            closing=6, last_ack=7, time_wait=8, syn_queue=9, all=10)
# Knob byte: 1 rfc1323, 2 SACK, 4 ECN, 8 CUBIC, 0x10 no delayed ACK,
# 0x20 4 KiB buffers, 0x40 SYN cache of 1 (cookies), 0x80 TLP.
KNOB_SETS = [0x00, 0x03, 0x07, 0x2B, 0x43, 0x9B, 0x33]
TH_FIN, TH_SYN, TH_RST, TH_PSH, TH_ACK = 1, 2, 4, 8, 16


def h16(v):
    return struct.pack("!H", v & 0xFFFF)


def deliver(d, n=1):
    return bytes([DELIVER, d | ((n - 1) << 1)])


def time_ms(idx, auto=True):  # idx into 1,2,5,10,20,40,100,200,500,1000,3000,10000,...
    return bytes([TIME, idx | (0x10 if auto else 0)])


def app(side, call, arg=0, pick=0):  # calls 6 (connect) and 7 (accept) take no descriptor
    return bytes([APP, side, call, arg] + ([] if call in (6, 7) else [pick]))


def inject(flow, to, flags, sel, seq_off=0, ack_off=0, win=65535, extra=b""):
    return bytes([INJECT, flow, to, flags, sel]) + h16(seq_off) + h16(ack_off) + h16(win) + extra


def mutate(d, mask, args=b""):
    return bytes([MUTATE, d, mask]) + args


FLUSHB = bytes([FLUSH])
TCP_OPS = {
    "data_read": FLUSHB + app(A, 1, 255) + app(B, 1, 255) + time_ms(7),
    "old_seq": mutate(A, 0x02, h16(-3000)) + FLUSHB,
    "future_seq": mutate(B, 0x02, h16(20000)) + FLUSHB,
    "ack_too_new": mutate(B, 0x04, h16(30000)) + FLUSHB,
    "rst_exact": inject(0, A, TH_RST, 0x00) + FLUSHB,
    "rst_in_window": inject(0, A, TH_RST, 0x00, 100) + FLUSHB,
    "syn_synchronized": inject(0, B, TH_SYN, 0x40, 0, 0, 65535, h16(1460) + bytes([7])) + FLUSHB,
    "sack_blocks": inject(0, A, TH_ACK, 0x20, 0, 0, 65535, bytes([1]) + h16(1000) + h16(500) +
                          h16(3000) + h16(200)) + FLUSHB,
    "ts_old": inject(0, A, TH_ACK, 0x10, 0, 0, 65535, bytes([0x80])) + FLUSHB,
    "zero_window": inject(0, A, TH_ACK, 0x00, 0, 0, 0) + app(A, 0, 255) + time_ms(12),
    "data_inject": inject(0, A, TH_ACK | TH_PSH, 0x80, 0, 0, 65535, h16(1000)) + FLUSHB,
    "dup_reorder": bytes([DUP, A, SWAP, A]) + deliver(A, 3) + FLUSHB,
    "drop_rto": bytes([DROP, A, DROP, B]) + time_ms(10) + time_ms(11),
    "fin_flag": mutate(A, 0x01, bytes([TH_FIN])) + FLUSHB,
    "bad_cksum_ecn": mutate(A, 0x40, bytes([0x83])) + FLUSHB,
    "options": mutate(B, 0x10, bytes([12, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0])) + FLUSHB,
    "close_linger0": app(A, 4) + FLUSHB,
    "shutdown_wr": app(B, 3, 1) + FLUSHB + app(A, 1, 255) + app(A, 3, 1) + FLUSHB,
    "timeout": time_ms(15, auto=False) + time_ms(15, auto=False),
    # connect: arg & 3 the destination (0 the other's listener, 3 its fixed port
    # 40000 + (arg >> 5 & 3)), arg & 4 from fixed port 40000 + (arg >> 3 & 3).
    "tw_reuse": app(B, 6, 0x04) + FLUSHB + app(A, 7) + app(B, 2) + FLUSHB + app(A, 2) + FLUSHB +
    app(B, 6, 0x04) + FLUSHB,
    "simultaneous_open": app(A, 6, 0x27) + app(B, 6, 0x0F) + FLUSHB + app(A, 0, 3, 1) + FLUSHB,
    "keepalive": FLUSHB + app(A, 5, 0x0B) + time_ms(12) + time_ms(12),
    "small_rcvbuf": app(A, 5, 0x01) + app(B, 0, 255) + FLUSHB + time_ms(11),
    "icmp_needfrag": bytes([ICMP, A, 0, 0]) + h16(576) + FLUSHB,
    "icmp_unreach": bytes([ICMP, B, 1, 1]) + h16(0) + FLUSHB + time_ms(12),
}


def tcp_seeds():
    out = {}
    for kb in KNOB_SETS:
        for name, sc in SCEN.items():
            out["k%02x_%s" % (kb, name)] = bytes([kb, sc])
    for kb in (0x03, 0x9B):
        for sc in ("established", "all"):
            for name, ops in TCP_OPS.items():
                out["k%02x_%s_%s" % (kb, sc, name)] = bytes([kb, SCEN[sc]]) + ops
    out["k43_syn_queue_cookies"] = bytes([0x43, SCEN["syn_queue"]]) + FLUSHB + app(A, 7) * 3
    return out


# ---- fuzz_config ----
MIN_INI = b"""[dpdk]
lcore_mask=0x2
port_list=0
no_huge=1
eal_args=--no-pci --vdev=net_af_packet0,iface=fsda0

[port0]
addr=198.18.0.1
netmask=255.255.255.0
broadcast=198.18.0.255
gateway=198.18.0.254

[vlan1]
port=0
vlan_id=100
addr=198.18.1.1
netmask=255.255.255.0

[freebsd.sysctl]
net.inet.tcp.sendspace=65536
net.inet.tcp.cc.algorithm=cubic
"""


def config_seeds():
    here = os.path.dirname(os.path.abspath(__file__))
    out = {"minimal": MIN_INI,
           "minimal_args": MIN_INI + b"\0--proc-type\0auto\0-p\x000\0--set\0"
           b"port0.mtu=9000\0--set=freebsd.sysctl.net.inet.tcp.msl=1000\0--\0app"}
    for path in sorted(glob.glob(os.path.join(here, "..", "tests", "unit", "conf", "*.ini"))):
        with open(path, "rb") as f:
            text = f.read()
        name = os.path.basename(path)[:-4]
        out[name] = text
        out[name + "_args"] = text + b"\0-c\0x.ini\0--set\0dpdk.nb_mbufs=1023"
    return out


# ---- fuzz_packetdrill ----
# Opcodes (op % 19), as fuzz_packetdrill.c reads them.
(P_SOCKET, P_BIND, P_LISTEN, P_ACCEPT, P_CONNECT, P_READ, P_WRITE, P_FCNTL, P_IOCTL, P_CLOSE,
 P_SHUTDOWN, P_SOCKOPT, P_POLL, P_EPOLL, P_RAW, P_REPLY, P_RX, P_USLEEP, P_TIME) = range(19)


def sockaddr(addr_idx, port):  # addr_idx: 0 any, 1 local, 2 remote
    return bytes([addr_idx]) + h16(port)


def reply(flags, sel=0, dport=0, win=65535, seq_off=0, ack_off=0, extra=b""):
    return bytes([P_REPLY, flags, sel]) + h16(dport) + h16(win) + h16(seq_off) + h16(ack_off) + extra


SYN_OPTS = bytes([20, 2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0])


def packetdrill_seeds():
    passive = (bytes([P_SOCKET, 0x00, P_BIND, 0]) + sockaddr(0, 8080) +
               bytes([P_LISTEN, 0, 16]) +
               reply(TH_SYN, 0x81, 8080, extra=SYN_OPTS) + bytes([P_RX]) +
               reply(TH_ACK) + bytes([P_ACCEPT, 0, 16]) +
               bytes([P_WRITE, 1, 0x00]) + h16(2000) + bytes([P_RX]) + reply(TH_ACK) +
               reply(TH_ACK | TH_PSH, 0x02, extra=h16(100)) + bytes([P_RX]) +
               bytes([P_READ, 1, 0x00]) + h16(4096))
    active = (bytes([P_SOCKET, 0x00, P_CONNECT, 0]) + sockaddr(2, 80) + bytes([P_RX]) +
              reply(TH_SYN | TH_ACK, 0x01, extra=SYN_OPTS) + bytes([P_RX]) +
              bytes([P_WRITE, 0, 0x40]) + h16(500) + bytes([P_RX]) + reply(TH_ACK))
    close = (bytes([P_CLOSE, 0]) + bytes([P_RX]) + reply(TH_ACK) + reply(TH_FIN | TH_ACK) +
             bytes([P_RX, P_USLEEP]) + h16(60000) + bytes([10]))
    events = (bytes([P_EPOLL, 0, 4, P_EPOLL, 1, 1, 0]) + struct.pack("!I", 0x2005) + bytes([0]) +
              bytes([P_EPOLL, 3, 1, 3, 5, P_POLL, 2, 0, 0]) + h16(0x2005) + bytes([1]) + h16(4))
    return {
        "passive": passive,
        "passive_close": passive + close,
        "passive_events": passive + events,
        "active": active,
        "active_close": active + close,
        "active_shutdown": active + bytes([P_SHUTDOWN, 0, 1, P_RX]) + reply(TH_ACK),
        "sockopts": bytes([P_SOCKET, 0x00, P_SOCKOPT, 0, 0x80, 13, 8]) + struct.pack("<ii", 1, 0) +
        bytes([P_SOCKOPT, 0, 0x81, 1, 4]) + struct.pack("<i", 1) +
        bytes([P_SOCKOPT, 0, 0x01, 11, 64, P_FCNTL, 0, 1, P_IOCTL, 0, 0, 0]),
        "udp": bytes([P_SOCKET, 0x08, P_WRITE, 0, 0x80]) + h16(100) + sockaddr(2, 53) +
        bytes([P_RX]),
        "raw_icmp": bytes([P_RAW]) + h16(28) + bytes([0x45, 0, 0, 28, 0, 1, 0, 0, 64, 1, 0, 0,
                                                      198, 18, 1, 1, 198, 18, 0, 1, 8, 0, 0xF7,
                                                      0xFE, 0, 1, 0, 0]) + bytes([P_RX]),
    }


def ctl_seeds():
    reqs = ["info", "ifconfig", "ifconfig port0 mtu 1400", "ifconfig port0 addr 198.18.0.9/24",
            "ifconfig port0.100 mtu 1400", "route", "route add 10.0.0.0/8 198.18.0.2",
            "route del 10.0.0.0/8", "route get 198.18.0.77", "route add 0.0.0.0/0 198.18.0.254",
            "arp", "arp del 198.18.0.2", "sockets", "stat", "sysctl", "sysctl net.inet.ip.ttl",
            "sysctl net.inet.ip.ttl 33", "sysctl net.inet.tcp.cc.algorithm cubic",
            "sysctl kern.maxfiles 100", "sysctl fastack.mem.lowat 30",
            "sysctl net.inet.ip.portrange.first 65535", "route add 10.0.0.1/8 198.18.0.2",
            "frobnicate", "stat  ", "sysctl net.inet.ip.ttl 256", "capture start 64",
            "capture read", "capture stop", "capture start 0"]
    return {"req%02d" % i: r.encode() for i, r in enumerate(reqs)}


def main():
    args = sys.argv[1:]
    kind = "--frame"
    if args and args[0].startswith("--"):
        kind = args.pop(0)
    gens = {"--frame": lambda: seeds, "--tcp": tcp_seeds, "--config": config_seeds,
            "--ctl": ctl_seeds,
            "--packetdrill": packetdrill_seeds}
    if len(args) != 1 or kind not in gens:
        sys.exit("usage: make_seeds.py [--frame|--tcp|--config|--ctl|--packetdrill] DIR")
    os.makedirs(args[0], exist_ok=True)
    for name, data in gens[kind]().items():
        with open(os.path.join(args[0], name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
