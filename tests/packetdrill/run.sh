#!/bin/sh
# run.sh: runs packetdrill scripts against fastack through the adapter
# (libfastack_packetdrill.so), one line per script and a closing
# "N passed, N failed".  Exit status 0 when every script passed.
#
#   tests/packetdrill/run.sh PACKETDRILL [SCRIPT_DIR|SCRIPT.pkt ...]
#
# SCRIPT_DIR defaults to this directory.  Environment:
#   PD_SO       the adapter (default: build/tests/packetdrill/libfastack_packetdrill.so)
#   PD_TIMEOUT  seconds of real time per script (default 60)
#   PD_FLAGS    extra --so_flags words, appended to each script's own
#   PD_VERBOSE  1: show packetdrill's output for failures (default 1)
#   PD_PRELOAD  LD_PRELOAD for packetdrill only (the ASan adapter needs
#               build-asan/tests/packetdrill/libpd_nodeepbind.so and the
#               ASan runtime, in that order: README.md)
#
# Addresses: packetdrill is told explicitly to use 198.18.0.0/15 (the
# adapter refuses anything else), and the adapter gets the same addresses.
# A script may carry its own adapter settings in a header line
#   --so_flags="net.inet.tcp.delayed_ack=0 mtu=1500"
# which are merged here (packetdrill lets the command line win over a
# script's options, so they are passed on the command line together).
# A header line --mtu=N (packetdrill's option) gives the adapter mtu=N.
# Scripts may run `sysctl -w name=value` (the adapter's sysctl channel:
# tests/packetdrill/README.md).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ]; then
	echo "usage: $0 PACKETDRILL [SCRIPT_DIR|SCRIPT.pkt ...]" >&2
	exit 2
fi
pd=$1
shift
# Each script runs from its own directory: a relative path would be lost.
case $pd in */*) case $pd in /*) ;; *) pd=$(pwd)/$pd ;; esac ;; esac
if [ ! -x "$pd" ]; then
	echo "$0: $pd is not an executable" >&2
	exit 2
fi
so=${PD_SO:-$top/build/tests/packetdrill/libfastack_packetdrill.so}
case $so in /*) ;; *) so=$(pwd)/$so ;; esac
if [ ! -f "$so" ]; then
	echo "$0: adapter $so not found (build it, or set PD_SO)" >&2
	exit 2
fi
tmo=${PD_TIMEOUT:-60}
verbose=${PD_VERBOSE:-1}

local_ip=198.18.0.1
remote_ip=198.18.1.1
gateway=198.18.0.254
netmask=255.255.255.0
base_flags="local_ip=$local_ip gateway=$gateway netmask=$netmask remote_ip=$remote_ip"

# The scripts to run.
if [ $# -eq 0 ]; then
	set -- "$here"
fi
list=$(for a in "$@"; do
	if [ -d "$a" ]; then
		ls "$a"/*.pkt 2>/dev/null
	else
		echo "$a"
	fi
done)

pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT INT TERM
for s in $list; do
	name=$(basename "$s" .pkt)
	# The script's own --so_flags="..." line, if any.
	own=$(sed -n 's/^--so_flags="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$s" | head -n 1)
	# packetdrill's own --mtu=N header option (the interface MTU a
	# FreeBSD-style script assumes) becomes the adapter's mtu=N.
	mtu=$(sed -n 's/^--mtu=\([0-9][0-9]*\)[[:space:]]*$/\1/p' "$s" | head -n 1)
	flags="$base_flags${mtu:+ mtu=$mtu} $own ${PD_FLAGS:-}"
	start=$(date +%s.%N)
	(cd "$(dirname "$s")" &&
		timeout -k 5 "$tmo" env ${PD_PRELOAD:+LD_PRELOAD="$PD_PRELOAD"} \
			"$pd" --so_filename="$so" --so_flags="$flags" \
			--ip_version=ipv4 --local_ip=$local_ip --remote_ip=$remote_ip \
			--gateway_ip=$gateway --netmask_ip=$netmask \
			"$(basename "$s")") >"$out" 2>&1
	rc=$?
	secs=$(echo "$start $(date +%s.%N)" | awk '{ printf "%.1f", $2 - $1 }')
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS  %-44s %5ss\n' "$name" "$secs"
	else
		fail=$((fail + 1))
		why=""
		# timeout(1) exits 124 after its SIGTERM, 137 when packetdrill
		# ignored that and SIGKILL followed 5 s later.
		[ $rc -eq 124 ] && why=" (timeout after ${tmo}s)"
		if [ $rc -eq 137 ] && awk "BEGIN { exit !($secs >= $tmo) }"; then
			why=" (timeout after ${tmo}s, killed)"
		fi
		printf 'FAIL  %-44s %5ss  exit %d%s\n' "$name" "$secs" "$rc" "$why"
		if [ "$verbose" = 1 ]; then
			sed 's/^/      | /' "$out" | tail -n 25
		fi
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
