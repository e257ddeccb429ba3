# shellcheck shell=bash
# fstack_ports_lib.sh: what the tests of F-Stack's ports (14_fstack_nginx,
# 15_fstack_redis) share, sourced after lib.sh and http_lib.sh.

# fstack_port_built PORT -- makes sure tests/fstack/build_ports.sh has
# built PORT against $BUILD (cached in PORTS: FASTACK_PORTS_DIR, default
# $BUILD/fstack-ports), or exits: 77 where ../shared is
# absent or $BUILD is a sanitizer build (the port links libfastack.a
# statically and would need building with -fsanitize too), 1 when the
# build fails.
fstack_port_built() {
	BUILD=$(cd "$BUILD" && pwd)
	PORTS=${FASTACK_PORTS_DIR:-$BUILD/fstack-ports}
	if python3 -c 'import json, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
sys.exit(0 if o.get("b_sanitize", "none") not in ("none", []) else 1)' \
		"$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null; then
		echo "  skip: $BUILD is a sanitizer build; the port links libfastack.a statically and"
		echo "        would need building with -fsanitize too (not done)"
		exit 77
	fi
	bash "$ROOT/tests/fstack/build_ports.sh" "$1"
	case $? in
	0) ;;
	77) exit 77 ;;
	*)
		fail "the $1 port did not build"
		finish
		;;
	esac
}

# wait_gone PID SECS -- waits up to SECS for PID to exit; returns 1 if it
# is still there.
wait_gone() {
	local i
	for i in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null
}

# wait_answer TRIES CMD... -- runs CMD (a probe of the server) until it
# succeeds, TRIES times 0.1 s apart, while FS_PID lives; returns 1 if it
# never did.
wait_answer() {
	local tries=$1 i
	shift
	for i in $(seq "$tries"); do
		"$@" && return 0
		kill -0 "$FS_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
