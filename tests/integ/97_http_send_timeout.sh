#!/bin/bash
# examples/helloworld (kqueue) on net_af_packet against clients that ask
# for a large body and then never read (issue 17: non-reading peers are
# dropped by policy).  With FASTACK_HTTP_SEND_TIMEOUT_MS=2000 the listener
# carries TCP_USER_TIMEOUT 2 s, inherited by every accepted connection: once
# the client's window is shut and nothing it is sent gets acknowledged for
# 2 s, the stack drops the connection with a RST (tcp.tcps_progdrops), the
# server's write fails, and the send buffer goes back to the pool.  3 such
# clients (2 KiB receive buffers, asking for 64 MiB each) are held 8 s while
# curl keeps being answered; each must see its connection reset, having
# received far less than it asked for, and the server must end with every
# buffer back in its pool.
TAG=fsh-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
BIN=$BUILD/examples/helloworld
need_bin "$BIN"
need_tools curl python3
need_root_netns
topo_veth || { fail "topology"; finish; }

write_conf "$WORK/fastack.ini" "$(fs_vdev)"
FASTACK_HTTP_PORT=80 FASTACK_HTTP_SEND_TIMEOUT_MS=2000 \
	start_fastack helloworld "$BIN" "$WORK/fastack.ini" || finish

cat >"$WORK/noread.py" <<'EOF'
import errno, socket, sys, time
host, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    s.connect((host, 80))
    s.sendall(b"GET /bytes/67108864 HTTP/1.1\r\nHost: f\r\n\r\n")
    socks.append(s)
time.sleep(hold)
reset = 0
for s in socks:
    got = 0
    s.settimeout(2)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += len(b)
    except ConnectionResetError:
        reset += 1
    except socket.timeout:
        pass
    print("received %d of 67108864 bytes" % got)
    s.close()
print("%d of %d connections reset by the server" % (reset, n))
sys.exit(0 if reset == n else 1)
EOF
ip netns exec "$NS_B" timeout 60 python3 "$WORK/noread.py" "$FS_IP" 3 8 >"$WORK/noread.txt" 2>&1 &
nr=$!
good=$(curl_loop 10 0.5)
if wait "$nr"; then
	ok "$(tail -1 "$WORK/noread.txt")"
else
	fail "non-reading clients:"
	sed 's/^/    | /' "$WORK/noread.txt"
fi
if [ "$good" = 10 ]; then ok "curl meanwhile: 10/10 answered"; else fail "curl meanwhile: $good/10 answered"; fi
ctl_wait_closed 5
stop_fastack
grep -E ": (stopped|bytes in|pool)" "$FS_LOG" | sed 's/^/    /'
expect_counter_ge tcp.tcps_progdrops 3
expect_server_stat open 0
pool=$(grep -E "helloworld: pool: " "$FS_LOG" | tail -1)
if [ -n "$pool" ] && [ "$(echo "$pool" | awk '{ print $3 }')" = "$(echo "$pool" | awk '{ print $5 }')" ]; then
	ok "every buffer back in the pool"
else
	fail "pool at stop: ${pool:-no pool line}"
fi
expect_sockets_balanced
finish
