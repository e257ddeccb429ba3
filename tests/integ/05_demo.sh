#!/bin/bash
# The README's first command, bash scripts/demo.sh, works: it ends with
# "all good" and status 0 (ping, UDP echo, then the HTTP demo with curl;
# it makes and removes its own namespaces fsd-a/fsd-b and fsh-demo-*).
# Its setup step runs too (apt-get only for what is missing).
. "$(dirname "$0")/lib.sh"
need_bin "$BUILD/examples/udp_echo" "$BUILD/examples/helloworld"
need_root_netns
BUILD=$BUILD bash "$ROOT/scripts/demo.sh" >"$WORK/demo.log" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q "all good" "$WORK/demo.log" && grep -q "HTTP demo: all good" "$WORK/demo.log"; then
	ok "scripts/demo.sh: $(grep -o "done in [0-9]* s" "$WORK/demo.log" | tail -1), all good"
else
	fail "scripts/demo.sh exited $rc; its output:"
	sed 's/^/    | /' "$WORK/demo.log"
fi
for ns in fsd-a fsd-b fsh-demo-a fsh-demo-b; do
	if ip netns list | grep -qw "$ns"; then
		fail "the demo left namespace $ns behind"
	fi
done
finish
