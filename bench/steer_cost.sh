#!/bin/bash
# steer_cost.sh: instructions per request with 1 stack and with 4 (hardware
# RSS, then software RSS on one queue), counted by callgrind in
# bench/steer_cost (the harness's N-queue link on virtual time: see its
# header).  For each: the rounds of requests (toggle-collect
# measured_rounds), then as many passes with no traffic (idle_passes), so
# the table shows the cost per request with and without the polling of the
# idle stacks.  Needs valgrind; no root, no network.
#
#   BUILD=build bash bench/steer_cost.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
BIN=$BUILD/bench/steer_cost
WORK=$(mktemp -d /tmp/fs-steer-cost.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -x "$BIN" ] || { echo "steer_cost: $BIN not built"; exit 1; }
command -v valgrind >/dev/null || { echo "steer_cost: valgrind is not installed"; exit 1; }

# ir FUNCTION STACKS MODE -- instructions executed inside FUNCTION
ir() {
	local out=$WORK/cg.$1.$2.$3
	valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$1" \
		"$BIN" "$2" "$3" >"$WORK/run.$1.$2.$3" 2>"$WORK/vg.$1.$2.$3" || {
		cat "$WORK/run.$1.$2.$3" "$WORK/vg.$1.$2.$3"
		exit 1
	}
	awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

printf '%-24s %14s %14s %16s\n' "" "Ir/request" "idle Ir/req" "Ir/req - idle"
for cfg in "1 hw" "4 hw" "4 soft"; do
	set -- $cfg
	m=$(ir measured_rounds "$1" "$2")
	i=$(ir idle_passes "$1" "$2")
	reqs=$(sed -n 's/.* \([0-9]*\) requests of.*/\1/p' "$WORK/run.measured_rounds.$1.$2")
	awk -v m="$m" -v i="$i" -v r="$reqs" -v name="$1 stack(s), $2 RSS" 'BEGIN {
		printf "%-24s %14.0f %14.0f %16.0f\n", name, m / r, i / r, (m - i) / r }'
done
echo "($(sed -n 's/^steer_cost: //p' "$WORK/run.measured_rounds.4.hw"))"
echo "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
