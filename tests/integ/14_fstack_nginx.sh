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
. "$HERE/fstack_ports_lib.sh"
need_tools curl wrk
need_root_netns
fstack_port_built nginx
NGINX=$PORTS/nginx-1.28.0/objs/nginx
topo_veth || { fail "topology"; finish; }

# The fastack configuration nginx's fstack_conf names, and nginx's own.
write_conf "$WORK/f-stack.conf" "$(fs_vdev)"
P=$WORK/nginx
mkdir -p "$P/conf" "$P/logs" "$P/html"
cp "$PORTS/nginx-1.28.0/conf/mime.types" "$P/conf/"
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
probe() { in_b curl -s --max-time 1 -o /dev/null "http://$FS_IP/ret"; }
if ! wait_answer 60 probe; then
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

wrk_check return-200 "http://$FS_IP/ret" 10 50
wrk_check static-file "http://$FS_IP/file.txt" 10 50
wrk_check return-200-close "http://$FS_IP/ret" 3 20 -H "Connection: close"

kill -QUIT "$FS_PID" 2>/dev/null
if ! wait_gone "$FS_PID" 10; then
	log "nginx did not stop on SIGQUIT within 10 s (graceful shutdown waits for its workers)"
fi
if grep -E "\[(alert|emerg|crit)\]" "$P/logs/error.log" | grep -v "exited on signal" | head -5 | grep -q .; then
	fail "nginx logged alerts:"
	grep -E "\[(alert|emerg|crit)\]" "$P/logs/error.log" | head -10 | sed 's/^/    | /'
else
	ok "no alert in nginx's error log"
fi
finish
