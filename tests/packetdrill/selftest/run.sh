#!/bin/bash
# selftest/run.sh: checks that the packetdrill runner (../run.sh) can fail.
#
#   bash tests/packetdrill/selftest/run.sh PACKETDRILL
#
# packetdrill is not part of CI (README.md next door), so nothing else ever
# shows the runner failing.  Three runs of ../run.sh, each checked for its
# per-script lines, its closing "N passed, N failed" and its exit status:
#
#   must-fail/*.pkt   scripts that are wrong on purpose (a packet the stack
#                     never sends, a wrong return value, a wrong option, a
#                     wrong time, a blocking call that never returns): a
#                     FAIL line each, "0 passed, N failed", exit 1;
#   must-pass/*.pkt   the control: PASS each, "N passed, 0 failed", exit 0;
#   hang-stub.sh      run as the packetdrill binary with PD_TIMEOUT=2: it
#                     ignores SIGTERM and never ends; run.sh must kill it,
#                     print a FAIL line saying "timeout", and go on.
#
# Prints one line per check and "N passed, N failed"; exit status 0 when
# every check held.  The adapter is taken as ../run.sh takes it (PD_SO).
set -u

here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../run.sh

if [ $# -ne 1 ]; then
	echo "usage: $0 PACKETDRILL" >&2
	exit 2
fi
pd=$1

pass=0
fail=0
check() { # description, then the condition as a command
	local what=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
		echo "ok    $what"
	else
		fail=$((fail + 1))
		echo "FAIL  $what"
	fi
}

# run_runner OUTFILE [ENV=VALUE ...] -- ARGS: runs ../run.sh, returns its
# status in $rc and its real time in $secs.
run_runner() {
	local out=$1 start
	shift
	start=$(date +%s)
	env PD_VERBOSE=1 "$@" </dev/null >"$out" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# check_set KIND EXIT PASSED FAILED VERDICT: runs ../run.sh on KIND/*.pkt
# and checks its exit status, its closing line, a VERDICT line (PASS or
# FAIL) for every script and no other verdict, and no timeout.
check_set() {
	local kind=$1 want_rc=$2 want_pass=$3 want_fail=$4 verdict=$5 s name
	run_runner "$tmp/$kind.out" "$runner" "$pd" "$here/$kind"
	sed 's/^/    | /' "$tmp/$kind.out"
	check "$kind: run.sh exits $want_rc (got $rc)" test "$rc" = "$want_rc"
	check "$kind: closing line \"$want_pass passed, $want_fail failed\"" \
		grep -qx "$want_pass passed, $want_fail failed" "$tmp/$kind.out"
	for s in "$here/$kind"/*.pkt; do
		name=$(basename "$s" .pkt)
		check "$kind: $verdict line for $name" grep -q "^$verdict  $name " "$tmp/$kind.out"
	done
	check "$kind: nothing but $verdict lines" \
		test "$(grep -cE '^(PASS|FAIL) ' "$tmp/$kind.out")" = "$(grep -c "^$verdict " "$tmp/$kind.out")"
	check "$kind: no timeout (took ${secs}s)" \
		test "$(grep -c 'timeout after' "$tmp/$kind.out")" = 0
}

n_fail=$(ls "$here"/must-fail/*.pkt | wc -l)
n_pass=$(ls "$here"/must-pass/*.pkt | wc -l)
check_set must-fail 1 0 "$n_fail" FAIL
check_set must-pass 0 "$n_pass" 0 PASS

# --- a packetdrill that never ends ---------------------------------------
# PD_TIMEOUT=2, then SIGKILL 5 s later: the run must end well within 20 s.
one=$(ls "$here"/must-pass/*.pkt | head -n 1)
run_runner "$tmp/hang.out" PD_TIMEOUT=2 "$runner" "$here/hang-stub.sh" "$one"
sed 's/^/    | /' "$tmp/hang.out"
check "hang: run.sh exits 1 (got $rc)" test "$rc" = 1
check "hang: ended in ${secs}s (< 20)" test "$secs" -lt 20
check "hang: FAIL line says timeout" grep -q "^FAIL  .*timeout after 2s" "$tmp/hang.out"
check "hang: closing line \"0 passed, 1 failed\"" grep -qx "0 passed, 1 failed" "$tmp/hang.out"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
