#!/bin/bash
# setup.sh: prepares a fresh Debian 12 machine to build, test and demo fastack.
# Run as root.  Idempotent: installs only what is missing and leaves an
# existing hugepage setup alone when it is already large enough.
#
#   bash scripts/setup.sh
#
# What it does:
#   1. apt-get installs the build and test dependencies (DPDK 22.11 from
#      Debian, meson/ninja, libinih, libpcap, compilers, clang-format, and the
#      tools the demo and the integration tests drive: iproute2, ping, nc,
#      python3, ethtool, curl, wrk, python3-scapy).
#   2. reserves 512 x 2 MiB hugepages and mounts hugetlbfs at /dev/hugepages
#      (DPDK's default); the tests themselves also run without hugepages.
set -euo pipefail

PKGS=(
	# build
	gcc clang clang-format meson ninja-build pkg-config
	# libFuzzer runtime for fuzz/ (clang)
	libclang-rt-14-dev
	libdpdk-dev dpdk libinih-dev libpcap-dev
	# export-list check (nm) and general tools
	binutils coreutils procps util-linux
	# demo and integration tests
	iproute2 iputils-ping netcat-openbsd python3 ethtool
	# HTTP/TCP interop tests (tests/integ/8x_*.sh) and the HTTP demo
	curl wrk
	# the attacker of the attack tests (tests/integ/9x_attack_*.sh) and
	# scripts/soak.sh
	python3-scapy
	# --json output of the fastack command, parsed by tests/integ/lib.sh's
	# ctl_until and tests/integ/76_fastack.sh, 77_fastack_errors.sh; tcpdump
	# reads what `fastack capture -w -` writes (76_fastack.sh)
	jq tcpdump
	# packetdrill, built from source by .ci/run's packetdrill step
	# (../shared/tools/build-packetdrill.sh) for tests/packetdrill/*.pkt
	bison flex make
	# a static link against libfastack.a (.ci/run pkgconfig: DPDK's static
	# libraries need -lsystemd) and F-Stack's ports (tests/fstack/
	# build_ports.sh: nginx's rewrite module (return 200) needs PCRE2,
	# its gzip module and redis zlib, redis and F-Stack's link -lcrypto)
	libsystemd-dev libpcre2-dev zlib1g-dev libssl-dev libnuma-dev
	# the Linux peer of 15_fstack_redis: redis-benchmark, redis-cli
	redis-tools
)
HUGEPAGES=${FASTACK_HUGEPAGES:-512}

say() { printf 'setup: %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
	echo "setup: must run as root (apt-get, hugepages, network namespaces)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	say "installing: ${missing[*]}"
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
else
	say "packages: all present"
fi

# Hugepages (2 MiB).  Never lower a larger reservation someone else made.
if [ -w /proc/sys/vm/nr_hugepages ]; then
	cur=$(cat /proc/sys/vm/nr_hugepages)
	if [ "$cur" -lt "$HUGEPAGES" ]; then
		echo "$HUGEPAGES" >/proc/sys/vm/nr_hugepages || true
	fi
	say "hugepages: $(cat /proc/sys/vm/nr_hugepages) x 2 MiB reserved"
else
	say "hugepages: /proc/sys/vm/nr_hugepages not writable; continuing (tests use --no-huge)"
fi
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages
	if mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null; then
		say "hugetlbfs mounted at /dev/hugepages"
	else
		say "could not mount hugetlbfs at /dev/hugepages; continuing (tests use --no-huge)"
	fi
else
	say "hugetlbfs: already mounted at /dev/hugepages"
fi

# Network namespaces are what the demo and the integration tests run in.
if ip netns add fsi-setup-probe 2>/dev/null; then
	ip netns del fsi-setup-probe
	say "network namespaces: available"
else
	say "warning: cannot create network namespaces; the demo and integration tests need them"
fi
say "done"
