#!/bin/bash
# needs-shared: compat/fstack
# F-Stack's nginx 1.28 port (../shared/compat/fstack, built against the
# installed fastack by tests/fstack/build_ports.sh, cached in the build
# directory), one worker on kqueue (EVFILT_READ/WRITE and EVFILT_USER):
# curl reads a static file and a `return 200`, then wrk runs 10 s against
# each with 0 errors.  Exits 77 ("skip:") when ../shared is absent
# (FASTACK_SHARED names another place; .ci/run then does not count the
# skip) or on a sanitizer build (allowed in .ci/run's integ-asan).
TAG=fsn-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
need_tools curl wrk
need_root_netns
BUILD=$(cd "$BUILD" && pwd)
if python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
sys.exit(0 if o.get("b_sanitize", "none") not in ("none", []) else 1)' \
	"$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null; then
	echo "  skip: $BUILD is a sanitizer build; the port links libfastack.a statically and"
	echo "        would need building with -fsanitize too (not done)"
	exit 77
fi
bash "$ROOT/tests/fstack/build_ports.sh" nginx
case $? in
0) ;;
77) exit 77 ;;
*)
	fail "the nginx port did not build"
	finish
	;;
esac
NGINX=$BUILD/fstack-ports/nginx-1.28.0/objs/nginx
topo_veth || { fail "topology"; finish; }

# The fastack configuration nginx's fstack_conf names, and nginx's own.
write_conf "$WORK/f-stack.conf" "$(fs_vdev)"
P=$WORK/nginx
mkdir -p "$P/conf" "$P/logs" "$P/html"
cp "$BUILD/fstack-ports/nginx-1.28.0/conf/mime.types" "$P/conf/"
head -c 100000 /dev/urandom | base64 -w 76 >"$P/html/file.txt"
cat >"$P/conf/nginx.conf" <<CONF
user root;
worker_processes 1;
daemon off;
error_log $P/logs/error.log notice;
pid $P/logs/nginx.pid;
fstack_conf $WORK/f-stack.conf;
events {
    worker_connections 1024;
    use kqueue;
}
http {
    include mime.types;
    access_log off;
    sendfile off;
    keepalive_timeout 65;
    server {
        listen 80;
        location / { root $P/html; }
        location = /ret { return 200 "fastack\n"; }
    }
}
CONF
FS_LOG=$WORK/nginx.out
ip netns exec "$NS_A" timeout -k 5 200 "$NGINX" -p "$P" -c "$P/conf/nginx.conf" >"$FS_LOG" 2>&1 &
FS_PID=$!
PIDS+=("$FS_PID")
up=0
for _ in $(seq 60); do
	if in_b curl -s --max-time 1 -o /dev/null "http://$FS_IP/ret"; then
		up=1
		break
	fi
	kill -0 "$FS_PID" 2>/dev/null || break
	sleep 0.1
done
if [ $up = 0 ]; then
	fail "nginx did not answer; its output and error log:"
	sed 's/^/    | /' "$FS_LOG" "$P/logs/error.log"
	finish
fi
ok "nginx (fastack port) answers on $FS_IP:80"

body=$(in_b curl -s --max-time 10 "http://$FS_IP/ret")
[ "$body" = fastack ] && ok "return 200: '$body'" || fail "return 200: got '$body'"
sum=$(in_b curl -s --max-time 10 "http://$FS_IP/file.txt" | sha256sum | cut -d' ' -f1)
if [ "$sum" = "$(sha256sum <"$P/html/file.txt" | cut -d' ' -f1)" ]; then
	ok "static file: $(stat -c %s "$P/html/file.txt") bytes, same SHA-256"
else
	fail "static file differs"
fi
out=$(in_b curl -s --max-time 10 "http://$FS_IP/ret" "http://$FS_IP/ret" "http://$FS_IP/ret")
[ "$(printf '%s\n' "$out" | grep -c '^fastack$')" = 3 ] &&
	ok "3 keep-alive requests on one connection" || fail "keep-alive: got '$out'"

run_wrk() { # NAME PATH SECS CONNS [wrk args]
	local name=$1 path=$2 secs=$3 conns=$4 out rps
	shift 4
	out=$WORK/wrk-$name.txt
	ip netns exec "$NS_B" timeout -k 2 $((secs + 30)) taskset -c "$FASTACK_PYCPU" \
		wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s "$@" "http://$FS_IP$path" >"$out" 2>&1
	rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
	if [ -n "$rps" ] && ! grep -Eq "Socket errors|Non-2xx" "$out"; then
		ok "wrk $name ($secs s, $conns connections): $rps requests/s," \
			"$(awk '/requests in/ { print $1 }' "$out") requests, 0 errors"
	else
		fail "wrk $name:"
		sed 's/^/    | /' "$out"
	fi
}
run_wrk return-200 /ret 10 50
run_wrk static-file /file.txt 10 50
run_wrk return-200-close /ret 3 20 -H "Connection: close"

kill -QUIT "$FS_PID" 2>/dev/null
for _ in $(seq 100); do
	kill -0 "$FS_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$FS_PID" 2>/dev/null; then
	log "nginx did not stop on SIGQUIT within 10 s (graceful shutdown waits for its workers)"
fi
if grep -E "\[(alert|emerg|crit)\]" "$P/logs/error.log" | grep -v "exited on signal" | head -5 | grep -q .; then
	fail "nginx logged alerts:"
	grep -E "\[(alert|emerg|crit)\]" "$P/logs/error.log" | head -10 | sed 's/^/    | /'
else
	ok "no alert in nginx's error log"
fi
finish
