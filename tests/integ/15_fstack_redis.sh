#!/bin/bash
# needs-shared: compat/fstack
# F-Stack's redis 6.2.6 port (../shared/compat/fstack, built against the
# installed fastack by tests/fstack/build_ports.sh, cached in the build
# directory), started as F-Stack documents it: `redis-server --conf FILE
# --proc-type=primary --proc-id=0 redis.conf` (ff_init skips the
# redis.conf that follows its own options).  [freebsd.boot] fd_reserve=1024
# keeps the stack's descriptors above the kernel's, since the port routes
# each call by ff_fdisused.  From the Linux peer, redis-benchmark -t
# set,get,incr,lpush,lpop -n 100000 with 0 errors, then redis-cli reads
# back what it set (the counter INCRed 100000 times, the list emptied by
# as many LPOPs as LPUSHes) and a key of its own.  Exits 77 ("skip:")
# when ../shared is absent (FASTACK_SHARED names another place; .ci/run
# then does not count the skip) or on a sanitizer build (allowed in
# .ci/run's integ-asan).
TAG=fsr-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/fstack_ports_lib.sh"
need_tools redis-benchmark redis-cli
need_root_netns
fstack_port_built redis
REDIS=$PORTS/redis-6.2.6/src/redis-server
topo_veth || { fail "topology"; finish; }

write_conf "$WORK/f-stack.conf" "$(fs_vdev)"
printf '\n[freebsd.boot]\nfd_reserve=1024\n' >>"$WORK/f-stack.conf"
cat >"$WORK/redis.conf" <<CONF
bind 0.0.0.0
port 6379
protected-mode no
daemonize no
save ""
appendonly no
dir $WORK
logfile $WORK/redis.log
CONF
FS_LOG=$WORK/redis.out
(cd "$WORK" && exec ip netns exec "$NS_A" timeout -k 5 250 "$REDIS" --conf "$WORK/f-stack.conf" \
	--proc-type=primary --proc-id=0 "$WORK/redis.conf") >"$FS_LOG" 2>&1 &
FS_PID=$!
PIDS+=("$FS_PID")
cli() { in_b redis-cli -h "$FS_IP" -p 6379 "$@"; }
probe() { [ "$(cli PING 2>/dev/null)" = PONG ]; }
if ! wait_answer 200 probe; then
	fail "redis did not answer PING; its output and log:"
	sed 's/^/    | /' "$FS_LOG" "$WORK/redis.log" 2>/dev/null | tail -40
	finish
fi
ok "redis (fastack port) answers PING on $FS_IP:6379"

out=$WORK/bench.txt
ip netns exec "$NS_B" timeout -k 2 200 taskset -c "$FASTACK_PYCPU" \
	redis-benchmark -h "$FS_IP" -p 6379 -t set,get,incr,lpush,lpop -n 100000 -q >"$out" 2>&1
rc=$?
tr '\r' '\n' <"$out" | grep -E "requests per second" | sed 's/^/    /'
n=$(tr '\r' '\n' <"$out" | grep -cE "^(SET|GET|INCR|LPUSH|LPOP): .*requests per second")
if [ $rc = 0 ] && [ "$n" = 5 ] && ! grep -qiE "error|refused|reset" "$out"; then
	ok "redis-benchmark: 5 tests x 100000 requests, 0 errors"
else
	fail "redis-benchmark (exit $rc, $n of 5 results):"
	tr '\r' '\n' <"$out" | grep -v "^$" | tail -20 | sed 's/^/    | /'
fi
v=$(cli GET counter:__rand_int__)
[ "$v" = 100000 ] && ok "INCR counter read back: $v" || fail "INCR counter: '$v', expected 100000"
v=$(cli GET key:__rand_int__)
[ ${#v} = 3 ] && ok "SET key read back: '$v' (3 bytes, -d 3)" || fail "SET key: '$v', expected 3 bytes"
v=$(cli LLEN mylist)
[ "$v" = 0 ] && ok "list after as many LPOPs as LPUSHes: LLEN $v" || fail "LLEN mylist: '$v'"
cli SET fastack "from the Linux peer" >/dev/null
v=$(cli GET fastack)
[ "$v" = "from the Linux peer" ] && ok "SET/GET of our own key" || fail "GET fastack: '$v'"
v=$(cli DBSIZE)
[ "$v" = 3 ] && ok "DBSIZE 3 (the counter, the key, ours; the emptied list is gone)" ||
	fail "DBSIZE '$v', expected 3"
cli SHUTDOWN NOSAVE >/dev/null 2>&1
wait_gone "$FS_PID" 10 || log "redis still running after SHUTDOWN NOSAVE; stopped by the cleanup"
finish
