#!/bin/bash
# 77_fastack_errors: bad input to the fastack command, against udp_echo
# with its control socket in group nogroup (ctl_group, mode 0660): an
# unknown command or option, a bad address, an unknown knob, a value out of
# range, a knob that sizes a table, an interface that does not exist, a
# stale socket file (its process gone), no process at all, no permission
# (a user outside the group; one inside it is let in).  Each gives one line
# on stderr naming the problem and a non-zero exit (2 for usage, 1 for the
# rest), and the stack keeps answering pings throughout.
TAG=fse-$$
. "$(dirname "$0")/lib.sh"
BIN=$BUILD/examples/udp_echo
FASTACK=$BUILD/tools/fastack
need_bin "$BIN" "$FASTACK"
need_root_netns
command -v jq >/dev/null || { fail "jq is not installed (scripts/setup.sh)"; finish; }
getent group nogroup >/dev/null || { fail "no group nogroup"; finish; }
topo_veth || { fail "topology"; finish; }
write_conf "$WORK/fastack.ini" "net_af_packet0,iface=$IF_A"
sed -i 's/^\[dpdk\]$/[dpdk]\nctl_group=nogroup/' "$WORK/fastack.ini"
start_fastack udp_echo "$BIN" "$WORK/fastack.ini" || finish

# expect_err CODE PATTERN ARGS... -- fastack ARGS exits CODE with one line on
# stderr matching PATTERN (grep -E) and nothing on stdout.
expect_err() {
	local code=$1 pat=$2 rc out err
	shift 2
	fsctl "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	out=$(cat "$WORK/out")
	err=$(cat "$WORK/err")
	if [ "$rc" = "$code" ] && [ "$(wc -l <"$WORK/err")" = 1 ] && [ -z "$out" ] &&
		grep -qE "$pat" "$WORK/err"; then
		ok "fastack $*: exit $rc, '$err'"
	else
		fail "fastack $*: exit $rc (expected $code), stderr '$err', stdout '$out'"
	fi
}

expect_err 2 "unknown command 'frobnicate'" frobnicate
expect_err 2 "bad option" --bogus ps
expect_err 2 "no command"
expect_err 2 "netstat: unknown option '-q'" netstat -q
expect_err 2 "stat: unexpected argument" stat now
expect_err 2 "route: expected add DST/N GW" route add 10.0.0.0/8
expect_err 1 "bad gateway '300.1.1.1'" route add 10.0.0.0/8 300.1.1.1
expect_err 1 "bad destination '10.0.0.0/40'" route add 10.0.0.0/40 198.18.0.2
expect_err 1 "gateway 10.1.1.1 is not on a connected network" route add 10.0.0.0/8 10.1.1.1
expect_err 1 "bad address 'fastack.example'" route get fastack.example
expect_err 1 "no such route" route del 10.77.0.0/16
expect_err 1 "bad address '198.18.0.256'" arp -d 198.18.0.256
expect_err 1 "unknown knob 'net.inet.tcp.nosuch'" sysctl net.inet.tcp.nosuch
expect_err 1 "unknown knob 'net.inet.tcp.nosuch'" sysctl net.inet.tcp.nosuch=1
expect_err 1 "net.inet.ip.ttl: out of range: '0' \(accepts 1..255\)" sysctl net.inet.ip.ttl=0
expect_err 1 "net.inet.tcp.cc.algorithm: bad value 'vegas' \(accepts newreno, cubic\)" \
	sysctl net.inet.tcp.cc.algorithm=vegas
expect_err 1 "kern.maxfiles sizes a table when the stack starts" sysctl kern.maxfiles=100
expect_err 1 "port3: no such interface" ifconfig port3 mtu 1400
expect_err 1 "bad MTU '20'" ifconfig port0 mtu 20
expect_err 1 "bad address '198.18.0.1/0'" ifconfig port0 addr 198.18.0.1/0
expect_err 1 "ifconfig port0 down: not supported yet" ifconfig port0 down
expect_err 1 "capture: bad filter 'tcp port eighty'" capture -w - tcp port eighty
expect_err 2 "capture: -w FILE or -w - \(stdout\) is required" capture icmp
[ "$(fsctl sysctl net.inet.ip.ttl)" = "net.inet.ip.ttl: 64" ] && ok "the refused values changed nothing" ||
	fail "ttl now $(fsctl sysctl net.inet.ip.ttl)"

# a stale socket: bound by a process that is gone
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$WORK/ctl/stale.0.sock"
expect_err 1 "stale.0: stale control socket .*stale.0.sock \(its process is gone\)" -p stale ps
n=$(fsctl --json ps | jq -s 'length')
[ "$n" = 1 ] && ok "without -p: the live process found, the stale socket skipped" || fail "ps found $n"
expect_err 1 "no running fastack process with prefix 'nosuch'" -p nosuch ps
expect_err 1 "no running fastack process \(/nonexistent/dir" -d /nonexistent/dir ps
rm -f "$WORK/ctl/stale.0.sock"

# permissions: 0660 root:nogroup; nobody is let in only with the group
sock=$(ls "$WORK"/ctl/*.sock)
chmod 755 "$WORK" "$WORK/ctl"
if [ "$(stat -c '%a %G' "$sock")" = "660 nogroup" ]; then
	ok "ctl_group=nogroup: socket mode 0660, group nogroup"
else
	fail "socket: $(stat -c '%a %U:%G' "$sock")"
fi
setpriv --reuid=nobody --regid=daemon --clear-groups "$FASTACK" -d "$WORK/ctl" ps \
	>/dev/null 2>"$WORK/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "permission denied on .*\.sock" "$WORK/err" && [ "$(wc -l <"$WORK/err")" = 1 ]; then
	ok "a user outside the group: exit 1, '$(cat "$WORK/err")'"
else
	fail "outside the group: exit $rc, '$(cat "$WORK/err")'"
fi
setpriv --reuid=nobody --regid=daemon --groups=nogroup "$FASTACK" -d "$WORK/ctl" ps >"$WORK/out" 2>&1 &&
	grep -q "stacks 1" "$WORK/out" && ok "a user in group nogroup: let in" || fail "in the group: $(cat "$WORK/out")"

ping_check 5 56
stop_fastack
finish
