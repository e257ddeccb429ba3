#!/bin/bash
# Non-reading clients against examples/helloworld (kqueue) on net_af_packet
# with the default pool (nb_mbufs=8191): 1,024 Linux clients (twice the
# ~512 whose send buffers fill today's pool) each ask for GET /bytes/N with
# N = 1 GiB and never read, with a 2 KiB receive buffer, so their windows
# close and every response sits in the server's send buffers.  They are held
# 8 s, then closed.  Meanwhile wrk (20 keep-alive connections, in 2 s slices)
# and a curl every 0.25 s are the legitimate clients.  Checks: every wrk
# slice answered with 0 errors, every curl answered within 2 s, and after
# the clients leave ARP, ping and curl (1 MiB, hash-checked) are answered;
# the sockets balance at exit.  ATTACK_SCALE does not scale this one: the
# count is what breaks the stack, whatever the build.
TAG=fsa-$$
. "$(dirname "$0")/lib.sh"
. "$HERE/http_lib.sh"
. "$HERE/attack_lib.sh"
N=${ATTACK_NOREAD_CLIENTS:-1024}
FASTACK_HTTP_IDLE_MS=30000 attack_server

log "attack: $N clients asking for 1 GiB each and never reading, while wrk -c20 runs"
legit_start 14
sleep 1
# Each client holds a descriptor: lift the soft limit to the hard one.
ip netns exec "$NS_B" timeout -k 2 40 taskset -c "$FASTACK_PYCPU" bash -c \
	'h=$(ulimit -Hn); [ "$h" = unlimited ] && h=65536; ulimit -n "$h"; exec "$@"' \
	sh "$ATTACK_PY" "$ATTACK_PYFILE" "$IF_B" noread "$FS_IP" "$N" "$GiB" 8 |
	tee "$WORK/attack.txt" | sed 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "the attack could not be carried out"
legit_check
served_after

attack_stop '^(tcp\.tcps_(snderr|sndprobe|persisttimeo|rcvreset|drops|accepts)|.*(pool|nomem|nobufs|pressure|persmax).*)$'
max=$(server_stat max)
if [ "${max:-0}" -ge "$N" ]; then
	ok "the server held all $N clients at once (max $max connections)"
else
	fail "the server held at most ${max:-?} connections at once, expected $N"
fi
expect_sockets_balanced
finish
