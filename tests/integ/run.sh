#!/bin/bash
# run.sh: runs the integration tests (tests/integ/NN_*.sh) one after the
# other and prints one line per test, then "N passed, N failed[, N skipped]".
# Needs root (network namespaces) and a build with the examples.
#
#   BUILD=build bash tests/integ/run.sh [-v] [name-pattern...]
#
# -v shows every test's output; otherwise it is shown for failures only.
# Logs (and the fastack programs' output) are kept under $BUILD/integ-logs.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
BUILD=$(cd "$BUILD" 2>/dev/null && pwd || echo "$BUILD")
export INTEG_LOG=$BUILD/integ-logs
VERBOSE=0
if [ "${1:-}" = -v ]; then
	VERBOSE=1
	shift
fi
rm -rf "$INTEG_LOG"
mkdir -p "$INTEG_LOG"

pass=0 failed=0 skipped=0
for t in "$HERE"/[0-9][0-9]_*.sh; do
	name=$(basename "$t" .sh)
	if [ $# -gt 0 ]; then
		match=0
		for p in "$@"; do
			case $name in *$p*) match=1 ;; esac
		done
		[ $match = 1 ] || continue
	fi
	out=$INTEG_LOG/$name.out
	start=$(date +%s.%N)
	# Each test bounds its own steps; this is the backstop.
	TNAME=$name timeout -k 10 300 bash "$t" </dev/null >"$out" 2>&1
	rc=$?
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	case $rc in
	0)
		pass=$((pass + 1))
		printf 'PASS  %-22s %6ss\n' "$name" "$secs"
		[ $VERBOSE = 1 ] && cat "$out"
		;;
	77)
		skipped=$((skipped + 1))
		printf 'SKIP  %-22s %6ss  %s\n' "$name" "$secs" "$(grep -m1 'skip:' "$out" | sed 's/^ *//')"
		[ $VERBOSE = 1 ] && cat "$out"
		;;
	*)
		failed=$((failed + 1))
		printf 'FAIL  %-22s %6ss  (exit %s)\n' "$name" "$secs" "$rc"
		sed 's/^/      /' "$out"
		;;
	esac
done
if [ $skipped -gt 0 ]; then
	echo "$pass passed, $failed failed, $skipped skipped"
else
	echo "$pass passed, $failed failed"
fi
[ $failed = 0 ]
