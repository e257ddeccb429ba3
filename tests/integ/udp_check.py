#!/usr/bin/env python3
"""udp_check.py: sends distinct UDP datagrams to an echo server and checks
that every reply is byte-identical to a datagram that was sent.

Datagram i has a size between --min and --max (spread over the whole range)
and content derived from i, unique among all datagrams of the run.  Up to
--window datagrams are outstanding; one that gets no reply within --timeout
seconds counts as lost.  A reply is matched by its exact bytes: one that
equals no datagram sent is "corrupt", one for a datagram already answered
is a "duplicate".

It also prints the round-trip times of the replies that came back in time
(min, median, max, in ms), from the send to the reply's arrival.

Exit status 0 when nothing corrupt came back and at most --max-lost were
lost (default 0); 1 otherwise.  With --closed PORT it instead checks that a
datagram to a closed port makes a connected socket's recv() fail with
ECONNREFUSED (the server sent ICMP port unreachable).
"""
import argparse
import errno
import hashlib
import select
import socket
import sys
import time
from collections import deque


def payloads(count, lo, hi, seed):
    """count distinct payloads of sizes spread over lo..hi."""
    seen = set()
    out = []
    span = hi - lo + 1
    for i in range(count):
        size = lo + (i * 7919) % span  # 7919 is prime: all sizes get used
        attempt = 0
        while True:
            h = hashlib.sha256(f"{seed}:{i}:{attempt}".encode()).digest()
            body = (h * (size // len(h) + 1))[:size]
            if size >= 8:  # sequence number up front, readable in a capture
                body = i.to_bytes(4, "big") + b"FSCK" + body[8:]
            if body not in seen:
                break
            attempt += 1
        seen.add(body)
        out.append(body)
    return out


def echo(args):
    data = payloads(args.count, args.min, args.max, args.seed)
    index = {p: i for i, p in enumerate(data)}
    socks = []
    for _ in range(args.sockets):  # one flow each: several stacks share the run
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.connect((args.dst, args.port))
        s.setblocking(False)
        socks.append(s)
    byfd = {s.fileno(): s for s in socks}

    outstanding = {}  # i -> send time
    order = deque()  # (send time, i), oldest first
    answered = set()
    rtts = []  # s, of replies that came back before their timeout
    lost = corrupt = dup = refused = 0
    first_corrupt = None
    nxt = 0
    t0 = time.monotonic()
    deadline = t0 + args.deadline
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLIN)

    while (nxt < args.count or outstanding) and time.monotonic() < deadline:
        while nxt < args.count and len(outstanding) < args.window:
            try:
                socks[nxt % len(socks)].send(data[nxt])
            except BlockingIOError:
                break
            except ConnectionRefusedError:
                refused += 1
                continue
            now = time.monotonic()
            outstanding[nxt] = now
            order.append((now, nxt))
            nxt += 1
        for fd, _ in poller.poll(int(args.timeout * 1000 / 4) + 1):
            s = byfd[fd]
            while True:
                try:
                    r = s.recv(65536)
                except BlockingIOError:
                    break
                except ConnectionRefusedError:
                    refused += 1
                    continue
                i = index.get(r)
                if i is None or i >= nxt:  # equals nothing we have sent
                    corrupt += 1
                    if first_corrupt is None:
                        first_corrupt = r[:32].hex()
                elif i in outstanding:
                    rtts.append(time.monotonic() - outstanding.pop(i))
                    answered.add(i)
                elif i in answered:
                    dup += 1
                else:  # answer after we gave up on it: late, not lost
                    answered.add(i)
                    lost -= 1
        now = time.monotonic()
        while order and now - order[0][0] > args.timeout:
            _, i = order.popleft()
            if i in outstanding:
                del outstanding[i]
                lost += 1
    elapsed = time.monotonic() - t0
    unsent = args.count - nxt
    lost += len(outstanding) + unsent
    ok = len(answered)
    print(f"udp_check: sent {nxt}/{args.count} datagrams ({args.min}..{args.max} bytes, "
          f"window {args.window}, {len(socks)} socket(s)) to {args.dst}:{args.port}: "
          f"{ok} echoed byte-identical, "
          f"{lost} lost, {corrupt} corrupt, {dup} duplicate, {refused} refused, "
          f"in {elapsed:.2f} s ({ok / elapsed:.0f}/s)")
    if rtts:
        rtts.sort()
        print(f"udp_check: rtt min {rtts[0] * 1e3:.3f} ms, median "
              f"{rtts[len(rtts) // 2] * 1e3:.3f} ms, max {rtts[-1] * 1e3:.3f} ms "
              f"over {len(rtts)} replies")
    if first_corrupt:
        print(f"udp_check: first corrupt reply starts {first_corrupt}")
    if corrupt or lost > args.max_lost or (args.min_ok and ok < args.min_ok):
        return 1
    return 0


def closed(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((args.dst, args.closed))
    s.settimeout(1.0)
    for attempt in range(5):  # the first datagram may wait for ARP
        s.send(b"is anybody there?")
        try:
            r = s.recv(2048)
            print(f"udp_check: closed port {args.closed} answered {r!r}")
            return 1
        except ConnectionRefusedError:
            print(f"udp_check: port {args.closed}: ECONNREFUSED (ICMP port unreachable) "
                  f"after {attempt + 1} datagram(s)")
            return 0
        except socket.timeout:
            continue
        except OSError as e:
            print(f"udp_check: port {args.closed}: {errno.errorcode.get(e.errno)}: {e}")
            return 1
    print(f"udp_check: port {args.closed}: no ICMP port unreachable after 5 datagrams")
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dst", default="198.18.0.1")
    ap.add_argument("--port", type=int, default=7)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--max", type=int, default=1472)
    ap.add_argument("--window", type=int, default=32)
    ap.add_argument("--timeout", type=float, default=1.0, help="s before a datagram is lost")
    ap.add_argument("--deadline", type=float, default=60.0, help="s for the whole run")
    ap.add_argument("--max-lost", type=int, default=0)
    ap.add_argument("--min-ok", type=int, default=0, help="fail with fewer replies")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sockets", type=int, default=1,
                    help="send from this many sockets (flows), datagram i from socket i %% N")
    ap.add_argument("--closed", type=int, help="check ICMP port unreachable on this port")
    args = ap.parse_args()
    if args.min < 1 or args.max < args.min or args.max > 65507:
        ap.error("need 1 <= --min <= --max <= 65507")
    sys.exit(closed(args) if args.closed else echo(args))


if __name__ == "__main__":
    main()
