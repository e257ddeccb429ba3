#!/bin/bash
# ci_skip_policy.sh: .ci/run's verdict on tests that skip themselves (exit
# 77): a skip counts as a failure unless FASTACK_CI_ALLOW_SKIP names the test,
# both for meson test (its "N/M project:suite / name SKIP" lines) and for
# tests/integ/run.sh (its "SKIP  name" lines); and a test needing ../shared
# material (its "# needs-shared:" line) whose material .ci/run finds absent
# is not counted when it skips, but counted as failed when it is there.  Runs .ci/run's own counting
# functions on canned output; prints one line per check, exits 1 on failure.
#
# Usage: ci_skip_policy.sh path/to/.ci/run
set -u
CI=$1
FAILS=0
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
JOBS=1
SKIP=" "

meson() { # what meson test prints when port_pmd skips
	cat <<'M'
 1/3 fastack:unit / wire                   OK              0.10s
 2/3 fastack:pmd / port_pmd                SKIP            0.01s   exit status 77
 3/3 fastack:proto / loop                  OK              0.20s

Ok:                 2   
Expected Fail:      0   
Fail:               0   
Unexpected Pass:    0   
Skipped:            1   
Timeout:            0   
M
}
bash() { # what tests/integ/run.sh prints when af_xdp does not come up
	cat <<'I'
PASS  20_ping                   3.0s
SKIP  70_af_xdp                 1.0s  skip: net_af_xdp does not come up here
SKIP  88_http_af_xdp            1.0s  skip: net_af_xdp does not come up here
SKIP  13_fstack_examples        0.1s  skip: ../shared/compat/fstack/example absent
1 passed, 0 failed, 3 skipped
I
}

# The counting functions of .ci/run, as they are there.
eval "$(sed -n '/^TOTAL_PASS=0/,/^# --- setup/p' "$CI")"
eval "$(sed -n '/^	integ_run() {/,/^	}/p' "$CI")"
if ! declare -F meson_test >/dev/null || ! declare -F integ_run >/dev/null; then
	echo "FAIL: meson_test / integ_run not found in $CI"
	exit 1
fi

expect() { # allow-list expected-pass expected-fail
	ALLOW_SKIP=" $1 "
	TOTAL_PASS=0
	TOTAL_FAIL=0
	SUMMARY=()
	meson_test /nonexistent test >/dev/null
	integ_run integ /nonexistent >/dev/null
	if [ "$TOTAL_PASS" = "$2" ] && [ "$TOTAL_FAIL" = "$3" ]; then
		echo "ok: FASTACK_CI_ALLOW_SKIP=\"$1\": $TOTAL_PASS passed, $TOTAL_FAIL failed"
	else
		echo "FAIL: FASTACK_CI_ALLOW_SKIP=\"$1\": $TOTAL_PASS passed, $TOTAL_FAIL failed," \
			"expected $2 passed, $3 failed"
		FAILS=$((FAILS + 1))
	fi
	printf '    %s\n' "${SUMMARY[@]}"
}

# ../shared there (13_fstack_examples' skip counts) ...
SHARED_ABSENT=" "
expect "" 3 4
expect "port_pmd 70_af_xdp" 3 2
expect "port_pmd 70_af_xdp 88_http_af_xdp" 3 1
expect "pmd af_xdp" 3 4 # names, not patterns
# ... and absent, as .ci/run's shared_scan finds it (not counted).
tmp=$(mktemp -d)
mkdir -p "$tmp/tests/integ"
printf '#!/bin/bash\n# needs-shared: compat/fstack\n' >"$tmp/tests/integ/13_fstack_examples.sh"
printf '#!/bin/bash\n' >"$tmp/tests/integ/20_ping.sh"
(cd "$tmp" && shared_scan "$tmp/no-shared" && echo "$SHARED_ABSENT") >"$LOGS/absent"
SHARED_ABSENT=$(cat "$LOGS/absent")
SHARED_ABSENT=" $SHARED_ABSENT "
expect "port_pmd 70_af_xdp 88_http_af_xdp" 3 0
mkdir -p "$tmp/shared/compat/fstack"
(cd "$tmp" && shared_scan "$tmp/shared" && echo "[$SHARED_ABSENT]") >"$LOGS/absent"
if [ "$(cat "$LOGS/absent")" = "[ ]" ]; then
	echo "ok: shared_scan finds nothing absent when the material is there"
else
	echo "FAIL: shared_scan with the material there: $(cat "$LOGS/absent")"
	FAILS=$((FAILS + 1))
fi
rm -rf "$tmp"
[ $FAILS = 0 ]
