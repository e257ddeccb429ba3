#!/usr/bin/env python3
"""http_check.py: the Linux side of the HTTP/TCP integration tests (8x_*.sh).

  http_check.py pattern-sha N            SHA-256 of the first N bytes of the
                                         /bytes pattern (examples/http/pattern.h)
  http_check.py cases HOST PORT          request-parsing cases against
                                         helloworld[_epoll]: keep-alive,
                                         pipelining, HTTP/1.0, HEAD, chunked,
                                         100-continue, and every error status
  http_check.py conns HOST PORT N        N concurrent connections: all open at
                                         once, each answered twice, then closed
  http_check.py echo-client HOST PORT N BYTES
                                         N concurrent connections to an echo
                                         server, BYTES random bytes each,
                                         checked byte for byte
  http_check.py echo-server PORT SECS    an echo server (asyncio) for SECS s
  http_check.py keepalive HOST PORT K R  K connections, R sequential GET / each
                                         (a fixed request count, for callgrind)
  http_check.py slowloris HOST PORT N GAP LO HI
                                         N connections trickle a request head,
                                         one byte every GAP s; each must be
                                         closed by the server LO..HI s after
                                         its first byte
  http_check.py hold HOST PORT N SECS    N idle connections held SECS s, then
                                         closed; a new request right after
                                         must be answered within 1 s

Prints one line per failure ("FAIL: ...") and a summary; exits 1 on failure.
Every socket operation has a timeout, so nothing here can hang.
"""
import asyncio
import hashlib
import os
import socket
import sys
import time

PERIOD = 65521
TIMEOUT = 5.0


def pattern_block():
    x, b = 1, bytearray(PERIOD)
    for j in range(PERIOD):
        b[j] = (x >> 16) & 0xFF
        x = (1103515245 * x + 12345) & 0x7FFFFFFF
    return bytes(b)


BLOCK = None


def pattern(offset, n):
    global BLOCK
    if BLOCK is None:
        BLOCK = pattern_block()
    out = bytearray()
    while n > 0:
        o = offset % PERIOD
        k = min(n, PERIOD - o)
        out += BLOCK[o:o + k]
        offset += k
        n -= k
    return bytes(out)


def pattern_sha(n):
    b = pattern(0, PERIOD)
    h = hashlib.sha256()
    big = b * 256
    full = n // PERIOD
    for _ in range(full // 256):
        h.update(big)
    for _ in range(full % 256):
        h.update(b)
    h.update(b[: n % PERIOD])
    return h.hexdigest()


# ---- a small HTTP/1.1 response reader over a socket ----


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def _fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def read_response(self, head_only=False):
        """Returns (status, headers dict (lower-case names), body)."""
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        hdrs = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
        n = 0 if head_only or status in (100, 204, 304) else int(hdrs.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdrs, body

    def at_eof(self, wait=TIMEOUT):
        """True if the server closes (FIN; a reset counts as a failure)."""
        self.s.settimeout(wait)
        try:
            while True:
                d = self.s.recv(65536)
                if not d:
                    return True
                self.buf += d
        except socket.timeout:
            return False
        finally:
            self.s.settimeout(TIMEOUT)

    def close(self):
        self.s.close()


FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("  FAIL: " + what, flush=True)
    return cond


def sha(b):
    return hashlib.sha256(b).hexdigest() + "\n"


def req(path, method="GET", extra="", body=b"", version="HTTP/1.1"):
    h = f"{method} {path} {version}\r\nHost: t\r\n{extra}"
    if body or method == "POST":
        h += f"Content-Length: {len(body)}\r\n"
    return (h + "\r\n").encode() + body


def expect_error(host, port, raw, status, name):
    """raw gets status with Connection: close, then the server's FIN."""
    c = Conn(host, port)
    try:
        c.send(raw)
        st, h, _ = c.read_response()
        ok = check(st == status, f"{name}: status {st}, expected {status}")
        ok &= check(h.get("connection") == "close", f"{name}: no 'Connection: close'")
        c.s.shutdown(socket.SHUT_WR)
        ok &= check(c.at_eof(), f"{name}: connection not closed after {status}")
        return ok
    except (OSError, EOFError, ValueError) as e:
        return check(False, f"{name}: {type(e).__name__} {e}")
    finally:
        c.close()


def cases(host, port):
    t0 = time.time()
    n = 0

    def case(fn):
        nonlocal n
        n += 1
        try:
            fn()
        except (OSError, EOFError, ValueError, KeyError, IndexError) as e:
            check(False, f"{fn.__name__}: {type(e).__name__} {e}")

    def keep_alive():
        c = Conn(host, port)
        for i in range(5):
            c.send(req("/"))
            st, h, b = c.read_response()
            check(st == 200 and b == b"Hello from fastack\n", f"keep-alive #{i}: {st} {b!r}")
            check("connection" not in h, f"keep-alive #{i}: Connection: {h.get('connection')}")
        c.close()

    def pipelined():
        c = Conn(host, port)
        c.send(req("/") + req("/bytes/10") + req("/hash", "POST", body=b"abc") + req("/x"))
        st, _, b = c.read_response()
        check(st == 200 and b == b"Hello from fastack\n", f"pipelined 1: {st} {b!r}")
        st, _, b = c.read_response()
        check(st == 200 and b == pattern(0, 10), f"pipelined 2: {st} {b!r}")
        st, _, b = c.read_response()
        check(st == 200 and b.decode() == sha(b"abc"), f"pipelined 3: {st} {b!r}")
        st, _, b = c.read_response()
        check(st == 404, f"pipelined 4: {st}")
        c.close()

    def pipelined_large():
        # Two large responses asked at once: the second waits for the
        # first to be written (back-pressure), both arrive intact.
        c = Conn(host, port)
        c.send(req("/bytes/3000000") + req("/bytes/2000001"))
        st, _, b = c.read_response()
        check(st == 200 and b == pattern(0, 3000000), f"pipelined large 1: {st} {len(b)}")
        st, _, b = c.read_response()
        check(st == 200 and b == pattern(0, 2000001), f"pipelined large 2: {st} {len(b)}")
        c.close()

    def conn_close():
        c = Conn(host, port)
        c.send(req("/") + req("/", extra="Connection: close\r\n"))
        st, h, _ = c.read_response()
        check(st == 200 and "connection" not in h, f"close 1: {st} {h}")
        st, h, _ = c.read_response()
        check(st == 200 and h.get("connection") == "close", f"close 2: {st} {h}")
        check(c.at_eof(), "Connection: close: no FIN after the response")
        c.close()

    def http10():
        c = Conn(host, port)
        c.send(b"GET / HTTP/1.0\r\n\r\n")
        st, h, b = c.read_response()
        check(st == 200 and h.get("connection") == "close", f"HTTP/1.0: {st} {h}")
        check(c.at_eof(), "HTTP/1.0: no FIN after the response")
        c.close()
        c = Conn(host, port)
        c.send(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        st, h, _ = c.read_response()
        check(st == 200 and h.get("connection") == "keep-alive", f"HTTP/1.0 ka: {st} {h}")
        c.send(b"GET /bytes/5 HTTP/1.0\r\n\r\n")
        st, h, b = c.read_response()
        check(st == 200 and b == pattern(0, 5), f"HTTP/1.0 ka 2: {st} {b!r}")
        check(c.at_eof(), "HTTP/1.0 ka: no FIN after the non-keep-alive request")
        c.close()

    def head_and_sizes():
        c = Conn(host, port)
        c.send(req("/bytes/1000", "HEAD") + req("/bytes/0") + req("/", "HEAD"))
        st, h, _ = c.read_response(head_only=True)
        check(st == 200 and h.get("content-length") == "1000", f"HEAD: {st} {h}")
        st, h, b = c.read_response()
        check(st == 200 and b == b"" and h.get("content-length") == "0", f"/bytes/0: {st} {h}")
        st, h, _ = c.read_response(head_only=True)
        check(st == 200 and h.get("content-length") == "19", f"HEAD /: {st} {h}")
        for path in ("/bytes/abc", "/bytes/", "/bytes/1099511627777", "/nope", "/hashx"):
            c.send(req(path))
            st, _, _ = c.read_response()
            check(st == 404, f"GET {path}: {st}, expected 404")
        c.send(req("/", "POST"))
        st, h, _ = c.read_response()
        check(st == 405 and h.get("allow") == "GET, HEAD", f"POST /: {st} {h}")
        c.send(req("/hash"))
        st, h, _ = c.read_response()
        check(st == 405 and h.get("allow") == "POST", f"GET /hash: {st} {h}")
        c.send(req("/?q=1"))
        st, _, _ = c.read_response()
        check(st == 200, f"GET /?q=1: {st}")
        c.close()

    def lenient_framing():
        c = Conn(host, port)
        c.send(b"\r\n\r\nGET / HTTP/1.1\nHost: t\n\n")  # leading CRLFs, bare LF
        st, _, _ = c.read_response()
        check(st == 200, f"leading empty lines / LF endings: {st}")
        raw = req("/bytes/7")
        for i in range(len(raw)):  # one byte at a time
            c.send(raw[i:i + 1])
            time.sleep(0.002)
        st, _, b = c.read_response()
        check(st == 200 and b == pattern(0, 7), f"byte at a time: {st} {b!r}")
        c.close()

    def chunked():
        c = Conn(host, port)
        body = b"5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
        c.send(b"POST /hash HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
        st, _, b = c.read_response()
        check(st == 200 and b.decode() == sha(b"hello world"), f"chunked: {st} {b!r}")
        big = os.urandom(300000)
        parts, i = [], 0
        while i < len(big):
            k = min(len(big) - i, 1 + (i * 7919) % 40000)
            parts.append(b"%x\r\n" % k + big[i:i + k] + b"\r\n")
            i += k
        c.send(b"POST /hash HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
               b"".join(parts) + b"0\r\n\r\n")
        st, _, b = c.read_response()
        check(st == 200 and b.decode() == sha(big), f"chunked 300 kB: {st} {b!r}")
        c.close()

    def expect_continue():
        c = Conn(host, port)
        c.send(b"POST /hash HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
               b"Content-Length: 5\r\n\r\n")
        st, _, _ = c.read_response()
        check(st == 100, f"Expect: 100-continue: first status {st}")
        c.send(b"hello")
        st, _, b = c.read_response()
        check(st == 200 and b.decode() == sha(b"hello"), f"after 100: {st} {b!r}")
        c.close()

    def big_body_discarded():
        c = Conn(host, port)
        c.send(req("/nope", "PUT", body=os.urandom(100000)) + req("/"))
        st, _, _ = c.read_response()
        check(st == 404, f"PUT /nope with a body: {st}")
        st, _, b = c.read_response()
        check(st == 200 and b == b"Hello from fastack\n", f"after a discarded body: {st}")
        c.close()

    for fn in (keep_alive, pipelined, pipelined_large, conn_close, http10, head_and_sizes,
               lenient_framing, chunked, expect_continue, big_body_discarded):
        case(fn)

    H = b"Host: t\r\n"
    errors = [
        (b"HELLO\r\n\r\n", 400, "no request line"),
        (b"GET / HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 without Host"),
        (b"GET / HTTP/1.1\r\n" + H + H + b"\r\n", 400, "two Host fields"),
        (b"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, "space before the colon"),
        (b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n", 400, "obs-fold"),
        (b"GET / HTTP/1.1\r\n" + H + b"NoColon\r\n\r\n", 400, "field without colon"),
        (b"GET  / HTTP/1.1\r\n" + H + b"\r\n", 400, "two spaces"),
        (b"GET x HTTP/1.1\r\n" + H + b"\r\n", 400, "target not origin-form"),
        (b"GET / HTTP/1.1x\r\n" + H + b"\r\n", 400, "bad version"),
        (b"G(T / HTTP/1.1\r\n" + H + b"\r\n", 400, "method not a token"),
        (b"GET / HTTP/1.1\r\n" + H + b"X: a\rb\r\n\r\n", 400, "bare CR"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Content-Length: 1x\r\n\r\n", 400, "bad length"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n",
         400, "two lengths"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Content-Length: 99999999999999999999999\r\n\r\n",
         400, "length overflow"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Content-Length: 3\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n", 400, "length and chunked"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
         "bad chunk size"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
         b"3\r\nabcX\r\n", 400, "no CRLF after chunk data"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
         b"fffffffffffffffffff\r\n", 400, "chunk size overflow"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n", 501,
         "unknown transfer coding"),
        (b"GET / HTTP/2.0\r\n" + H + b"\r\n", 505, "HTTP/2.0 request line"),
        (b"POST /hash HTTP/1.1\r\n" + H + b"Expect: fries\r\n\r\n", 417, "unknown expectation"),
        (b"GET / HTTP/1.1\r\n" + H + b"X-Big: " + b"a" * 9000 + b"\r\n\r\n", 431,
         "9000-byte field"),
        (b"GET /" + b"a" * 20000, 431, "20000-byte request line"),
    ]
    for raw, status, name in errors:
        n += 1
        expect_error(host, port, raw, status, name)
    print(f"  {n} cases in {time.time() - t0:.1f} s, {len(FAILS)} failed")
    return not FAILS


# ---- many connections ----


async def conns(host, port, n):
    """n connections, all open at once, each answered twice, then closed."""
    t0 = time.time()
    opened = asyncio.Event()
    count = {"open": 0, "ok": 0}
    errors = []

    async def read_resp(r):
        head = await r.readuntil(b"\r\n\r\n")
        st = int(head.split(b" ", 2)[1])
        ln = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                ln = int(line.split(b":")[1])
        body = await r.readexactly(ln)
        return st, body

    async def one(i):
        try:
            r, w = await asyncio.open_connection(host, port)
            w.write(req("/"))
            st, b = await read_resp(r)
            if st != 200:
                raise ValueError(f"status {st}")
            count["open"] += 1
            if count["open"] == n:
                opened.set()
            await opened.wait()  # every connection is open now
            w.write(req(f"/bytes/{100 + i}"))
            st, b = await read_resp(r)
            if st != 200 or b != pattern(0, 100 + i):
                raise ValueError(f"second response {st} {len(b)}")
            w.close()
            await w.wait_closed()
            count["ok"] += 1
        except (OSError, ValueError, asyncio.IncompleteReadError) as e:
            errors.append(f"connection {i}: {type(e).__name__} {e}")
            if count["open"] + len(errors) >= n:
                opened.set()  # do not keep the others waiting

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 60)
    except asyncio.TimeoutError:
        errors.append("timed out after 60 s")
    for e in errors[:10]:
        check(False, e)
    print(f"  {n} connections: {count['open']} were open at once, {count['ok']} answered "
          f"twice and closed cleanly, {len(errors)} errors, {time.time() - t0:.2f} s")
    return count["ok"] == n and not errors


async def keepalive(host, port, k, r):
    t0 = time.time()
    done = 0
    raw = req("/")

    async def one(i):
        nonlocal done
        rd, w = await asyncio.open_connection(host, port)
        for _ in range(r):
            w.write(raw)
            head = await rd.readuntil(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.1 200 "):
                raise ValueError(head[:40])
            ln = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await rd.readexactly(ln)
            done += 1
        w.close()
        await w.wait_closed()

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(k))), 600)
    except (asyncio.TimeoutError, OSError, ValueError, asyncio.IncompleteReadError) as e:
        check(False, f"keepalive: {type(e).__name__} {e}")
    dt = time.time() - t0
    print(f"  keepalive: {done} requests on {k} connections in {dt:.2f} s "
          f"({done / dt:.0f} requests/s)")
    return done == k * r


# ---- echo ----


async def echo_client(host, port, n, nbytes):
    t0 = time.time()
    ok = 0

    async def one(i):
        nonlocal ok
        data = os.urandom(nbytes)
        r, w = await asyncio.open_connection(host, port)

        async def sender():
            for off in range(0, nbytes, 65536):
                w.write(data[off:off + 65536])
                await w.drain()
            w.write_eof()

        st = asyncio.ensure_future(sender())
        got = await r.read(-1)  # to EOF
        await st
        w.close()
        if check(got == data, f"echo connection {i}: {len(got)} of {nbytes} bytes, "
                 f"{'identical' if got == data[:len(got)] else 'different'}"):
            ok += 1

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), 60)
    except (asyncio.TimeoutError, OSError) as e:
        check(False, f"echo: {type(e).__name__} {e}")
    dt = time.time() - t0
    print(f"  echo: {ok}/{n} connections x {nbytes} bytes identical in {dt:.2f} s "
          f"({n * nbytes / dt / 1e6:.1f} MB/s)")
    return ok == n


async def echo_server(port, secs):
    async def handle(r, w):
        try:
            while True:
                d = await r.read(65536)
                if not d:
                    break
                w.write(d)
                await w.drain()
        except OSError:
            pass
        w.close()

    srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=1024)
    print(f"echo server on port {port}", flush=True)
    await asyncio.sleep(secs)
    srv.close()


async def slowloris(host, port, n, gap, lo, hi):
    head = b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 4096

    async def one(i):
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
        except (OSError, asyncio.TimeoutError) as e:
            check(False, f"slowloris {i}: connect: {e}")
            return None
        t0 = time.monotonic()
        for k in range(len(head)):
            try:
                w.write(head[k:k + 1])
                await w.drain()
                d = await asyncio.wait_for(r.read(1), gap)
            except asyncio.TimeoutError:
                continue  # still open: the next byte
            except OSError:
                d = b""
            if d == b"":
                w.close()
                return time.monotonic() - t0
            check(False, f"slowloris {i}: the server answered {d!r}")
            break
        w.close()
        return None

    took = await asyncio.gather(*(one(i) for i in range(n)))
    for i, t in enumerate(took):
        if t is None:
            check(False, f"slowloris {i}: never closed")
        else:
            check(lo <= t <= hi, f"slowloris {i}: closed after {t:.2f} s, expected {lo}..{hi} s")
    done = [t for t in took if t is not None]
    if done:
        print(f"{len(done)}/{n} trickling connections closed after "
              f"{min(done):.2f}..{max(done):.2f} s", flush=True)
    return not FAILS


async def hold(host, port, n, secs):
    conns = []
    for i in range(n):
        try:
            conns.append(await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT))
        except (OSError, asyncio.TimeoutError) as e:
            check(False, f"hold: connection {i}: {e}")
            break
    print(f"{len(conns)} idle connections open", flush=True)
    await asyncio.sleep(secs)
    for _, w in conns:
        w.close()
    t0 = time.monotonic()
    try:
        r, w = await asyncio.wait_for(asyncio.open_connection(host, port), TIMEOUT)
        w.write(req("/"))
        line = await asyncio.wait_for(r.readline(), TIMEOUT)
        took = time.monotonic() - t0
        w.close()
        check(line.startswith(b"HTTP/1.1 200"), f"hold: new request answered {line!r}")
        check(took < 1.0, f"hold: new request answered after {took:.2f} s, expected < 1 s")
        print(f"a new request, sent as the idle connections closed, "
              f"answered in {took:.3f} s", flush=True)
    except (OSError, asyncio.TimeoutError) as e:
        check(False, f"hold: new request after the idle connections closed: {e!r}")
    return not FAILS


def main(argv):
    if len(argv) >= 2 and argv[1] == "pattern-sha":
        print(pattern_sha(int(argv[2])))
        return 0
    if len(argv) == 4 and argv[1] == "cases":
        return 0 if cases(argv[2], int(argv[3])) else 1
    if len(argv) == 5 and argv[1] == "conns":
        return 0 if asyncio.run(conns(argv[2], int(argv[3]), int(argv[4]))) else 1
    if len(argv) == 6 and argv[1] == "echo-client":
        return 0 if asyncio.run(echo_client(argv[2], int(argv[3]), int(argv[4]),
                                             int(argv[5]))) else 1
    if len(argv) == 6 and argv[1] == "keepalive":
        return 0 if asyncio.run(keepalive(argv[2], int(argv[3]), int(argv[4]),
                                           int(argv[5]))) else 1
    if len(argv) == 8 and argv[1] == "slowloris":
        return 0 if asyncio.run(slowloris(argv[2], int(argv[3]), int(argv[4]),
                                          float(argv[5]), float(argv[6]),
                                          float(argv[7]))) else 1
    if len(argv) == 6 and argv[1] == "hold":
        return 0 if asyncio.run(hold(argv[2], int(argv[3]), int(argv[4]),
                                     float(argv[5]))) else 1
    if len(argv) == 4 and argv[1] == "echo-server":
        asyncio.run(echo_server(int(argv[2]), float(argv[3])))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
