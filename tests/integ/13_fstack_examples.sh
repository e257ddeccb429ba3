#!/bin/bash
# needs-shared: compat/fstack
# F-Stack's own example programs, unchanged, built from ../shared/compat/
# fstack/example at run time against the installed fastack (meson install
# into a staging prefix; headers and libraries from pkg-config libfastack
# alone), with F-Stack's Makefile flags (-O0 -g -gdwarf-2; main.c with
# -DINET6; main_zc.c with -DFSTACK_ZC_SEND, F-Stack's switch for its
# zero-copy write).  Each serves Linux curl (3 keep-alive requests on one
# connection, then 20 connections of one request each) and a 10 s wrk run
# with no error:
#   helloworld       main.c -DINET6: kqueue; an IPv4 and an IPv6 listener on
#                    port 80; its ff_log messages go to ./helloworld.log
#                    (ff_log_reset_stream, then ff_log_close of the
#                    library's own file);
#   helloworld_epoll main_epoll.c: ff_epoll_create(0);
#   helloworld_zc    main_zc.c: ff_zc_mbuf_get/ff_zc_mbuf_write, then
#                    ff_write of the mbuf chain.
# What waits for IPv6 (the IP-layer issue): the IPv6 listener binds and
# listens (main.c exits if it cannot), but no IPv6 packet reaches it yet, so
# only IPv4 is served and checked here.
#
# F-Stack's programs are test material kept outside the tree (never copied
# into it).  Where ../shared/compat/fstack is absent the test says so and
# exits 77; .ci/run does not count that skip when it finds the folder
# absent itself (the "needs-shared" line above), and counts it as a failure
# otherwise.  FASTACK_SHARED names another place for ../shared.
TAG=fsx-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
SHARED=${FASTACK_SHARED:-$ROOT/../shared}
EX=$SHARED/compat/fstack/example
if [ ! -f "$EX/main.c" ]; then
	echo "  skip: $EX absent (F-Stack's example programs are test material outside the tree)"
	exit 77
fi
need_tools curl wrk pkg-config cc
need_root_netns

# --- the installed fastack, and the examples built against it -----------
STAGE=$WORK/stage
if ! meson install -C "$BUILD" --destdir "$STAGE" >"$WORK/install.log" 2>&1; then
	fail "meson install -C $BUILD failed:"
	tail -20 "$WORK/install.log" | sed 's/^/    | /'
	finish
fi
pc=$(find "$STAGE" -name libfastack.pc | head -1)
libdir=$(dirname "$(find "$STAGE" -name 'libfastack.so' | head -1)")
mkdir -p "$STAGE/pc"
sed "s|^prefix=|prefix=$STAGE|" "$pc" >"$STAGE/pc/libfastack.pc"
export PKG_CONFIG_PATH=$STAGE/pc
# A sanitized build's library needs the sanitizer runtime in the program.
san=$(meson introspect --buildoptions "$BUILD" 2>/dev/null |
	python3 -c 'import json,sys; print(next((o["value"] for o in json.load(sys.stdin) if o["name"] == "b_sanitize"), "none"))')
SANFLAGS=
[ -n "$san" ] && [ "$san" != none ] && SANFLAGS="-fsanitize=$san"
CFLAGS="-O0 -g -gdwarf-2 $(pkg-config --cflags libfastack)"
LIBS="$(pkg-config --libs libfastack) -Wl,-rpath,$libdir"
build_ex() { # out flags source
	local out=$1 flags=$2 src=$3
	# shellcheck disable=SC2086
	if cc $CFLAGS $flags $SANFLAGS -o "$STAGE/$out" "$EX/$src" $LIBS >"$WORK/cc-$out.log" 2>&1 &&
		ldd "$STAGE/$out" | grep -q "$libdir/libfastack.so"; then
		ok "built $out from $src ($flags) against the installed libfastack"
	else
		fail "building $out from $src:"
		sed 's/^/    | /' "$WORK/cc-$out.log"
	fi
}
build_ex helloworld "-DINET6" main.c
build_ex helloworld_epoll "" main_epoll.c
build_ex helloworld_zc "-DFSTACK_ZC_SEND" main_zc.c
[ "$FAILS" = 0 ] || finish

topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "$(fs_vdev)"
WANT="<h1>Welcome to F-Stack!</h1>"

# serve NAME -- runs $STAGE/NAME in its own folder in NS_A and checks it.
serve() {
	local name=$1 dir=$WORK/$1 out n good i rps
	mkdir -p "$dir"
	FS_LOG=$dir/output.log
	ip netns exec "$NS_A" bash -c "cd '$dir' && exec timeout -k 5 120 '$STAGE/$name' \
		--conf '$WORK/fastack.ini'" >"$FS_LOG" 2>&1 &
	FS_PID=$!
	PIDS+=("$FS_PID")
	for i in $(seq 100); do
		curl_b -s --max-time 1 "http://$FS_IP/" 2>/dev/null | grep -qF "$WANT" && break
		if ! kill -0 "$FS_PID" 2>/dev/null; then
			fail "$name exited at start; its output:"
			sed 's/^/    | /' "$FS_LOG"
			return
		fi
		sleep 0.1
	done
	# Three requests on one connection: curl counts one connect.
	out=$(curl_b -s --max-time 10 -w '\n[connects %{num_connects}]\n' \
		"http://$FS_IP/" "http://$FS_IP/a" "http://$FS_IP/b")
	n=$(printf '%s\n' "$out" | grep -cF "$WANT")
	if [ "$n" = 3 ] && [ "$(printf '%s\n' "$out" | grep -c '^\[connects 1\]')" = 1 ] &&
		[ "$(printf '%s\n' "$out" | grep -c '^\[connects 0\]')" = 2 ]; then
		ok "$name: 3 keep-alive requests answered on one connection"
	else
		fail "$name: keep-alive requests: $n answers; $(printf '%s\n' "$out" | grep connects | tr '\n' ' ')"
	fi
	good=0
	for i in $(seq 20); do
		curl_b -s --max-time 5 -H "Connection: close" "http://$FS_IP/$i" | grep -qF "$WANT" &&
			good=$((good + 1))
	done
	if [ $good = 20 ]; then
		ok "$name: 20 connections, one request each"
	else
		fail "$name: only $good of 20 single-request connections answered"
	fi
	out=$WORK/wrk-$name.txt
	ip netns exec "$NS_B" timeout -k 2 40 taskset -c "$FASTACK_PYCPU" \
		wrk -t1 -c20 -d10s --timeout 5s "http://$FS_IP/" >"$out" 2>&1
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	if [ -n "$rps" ] && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
		ok "$name: wrk 10 s, 20 connections: $rps requests/s," \
			"$(awk '/requests in/ { print $1 }' "$out") requests, 0 errors"
	else
		fail "$name: wrk:"
		sed 's/^/    | /' "$out"
	fi
	if ! kill -0 "$FS_PID" 2>/dev/null; then
		fail "$name died while serving; its output:"
		sed 's/^/    | /' "$FS_LOG"
		return
	fi
	# F-Stack's examples have no signal handler: SIGTERM ends them (143).
	kill -TERM "$FS_PID"
	wait "$FS_PID"
	i=$?
	if [ $i != 143 ]; then
		fail "$name: exit status $i on SIGTERM (expected 143); its output:"
		sed 's/^/    | /' "$FS_LOG"
	fi
}

serve helloworld
# main.c gives ff_log its own file, then closes the library's: its start
# message is in ./helloworld.log and not on stdout/stderr.
if grep -q "helloworld init success" "$WORK/helloworld/helloworld.log" 2>/dev/null &&
	! grep -q "helloworld init success" "$WORK/helloworld/output.log"; then
	ok "helloworld: its ff_log message is in ./helloworld.log, not on stdout/stderr"
else
	fail "helloworld: ff_log did not write to ./helloworld.log only:"
	cat "$WORK/helloworld/helloworld.log" "$WORK/helloworld/output.log" 2>/dev/null |
		sed 's/^/    | /'
fi
serve helloworld_epoll
serve helloworld_zc

# F-Stack's current stock config.ini, as it is but for this topology's
# lcore, addresses and vdev (no hugepages) and memory=700: it loads, each
# key fastack does not act on gives its one "ignored" line, and memory=
# becomes the EAL's memory (-m: one 700 MiB mapping without hugepages).
STOCK=$SHARED/compat/fstack/config.ini
mask=$(printf '0x%x' $((1 << FASTACK_LCORE)))
awk -v mask="$mask" -v vdev="$(fs_vdev)" '
	/^\[/ { sec = $0 }
	sec == "[dpdk]" && /^lcore_mask=/ { print "lcore_mask=" mask; next }
	sec == "[dpdk]" && /^port_list=/ {
		print; print "no_huge=1"; print "memory=700"; print "eal_args=--no-pci --vdev=" vdev
		next
	}
	sec == "[port0]" && /^addr=/ { print "addr=198.18.0.1"; next }
	sec == "[port0]" && /^broadcast=/ { print "broadcast=198.18.0.255"; next }
	sec == "[port0]" && /^gateway=/ { print "gateway=198.18.0.2"; next }
	{ print }
' "$STOCK" >"$WORK/stock.ini"
mkdir -p "$WORK/stock"
FS_LOG=$WORK/stock/output.log
ip netns exec "$NS_A" bash -c "cd '$WORK/stock' && exec timeout -k 5 60 \
	'$STAGE/helloworld_epoll' --conf '$WORK/stock.ini'" >"$FS_LOG" 2>&1 &
FS_PID=$!
PIDS+=("$FS_PID")
for i in $(seq 100); do
	curl_b -s --max-time 1 "http://$FS_IP/" 2>/dev/null | grep -qF "$WANT" && break
	kill -0 "$FS_PID" 2>/dev/null || break
	sleep 0.1
done
if curl_b -s --max-time 5 "http://$FS_IP/" | grep -qF "$WANT"; then
	ok "helloworld_epoll runs on F-Stack's stock config.ini and serves curl"
else
	fail "helloworld_epoll on the stock config.ini:"
	sed 's/^/    | /' "$FS_LOG"
fi
n=$(grep -c "^fastack: warning: $WORK/stock.ini:[0-9]*: \[[a-z0-9._]*\] [a-z0-9_.]*: ignored: " "$FS_LOG")
# F-Stack's stock file (5cb586b56) has 33 keys that fastack takes without
# acting on them (the others are fastack's too, fd_reserve, symmetric_rss and
# net.inet.tcp.functions_default among them, or
# are commented out).
lines=$(sed -n 's/^fastack: warning: [^:]*:\([0-9]*\): .* ignored: .*/\1/p' "$FS_LOG" | sort -u | wc -l)
if [ "$n" = 33 ] && [ "$lines" = 33 ] && ! grep -qiE "error|refused|not supported" "$FS_LOG"; then
	ok "stock config.ini: 33 keys each 'ignored' once, e.g. $(grep -m1 "ignored: " "$FS_LOG" | cut -c1-110)"
else
	fail "stock config.ini: $n 'ignored' warnings on $lines lines, expected 33:"
	sed 's/^/    | /' "$FS_LOG"
fi
# FS_PID is timeout's; the program is its child.
prog=$(pgrep -P "$FS_PID" | head -1)
if [ -n "$prog" ] && python3 - "$prog" <<'PY'
import sys
want = 700 << 20
for line in open(f"/proc/{sys.argv[1]}/maps"):
    lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
    if hi - lo == want:
        sys.exit(0)
sys.exit(1)
PY
then
	ok "memory=700: the EAL mapped 700 MiB"
else
	fail "memory=700: no 700 MiB mapping in the process"
fi
kill -TERM "$FS_PID"
wait "$FS_PID"
rm -rf "$STAGE/usr" # the installed copy (the logs keep the rest)
finish
