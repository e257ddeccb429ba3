#!/bin/bash
# build_ports.sh: builds F-Stack's ports of nginx 1.28 and redis 6.2.6
# (../shared/compat/fstack) against the installed fastack, as F-Stack
# documents their builds: nothing but FF_PATH and pkg-config.
#
#   BUILD=build bash tests/fstack/build_ports.sh [nginx] [redis]
#
# 1. meson install of $BUILD into a staging prefix ($OUT/stage), its
#    libfastack.pc pointed there (as .ci/run's pkgconfig step does);
# 2. FF_PATH=$OUT/ff, laid out as F-Stack's Makefiles expect: $FF_PATH/lib
#    holds the ff_*.h headers (links to the installed ones) and libfstack.a,
#    a GNU ld script naming the installed libfastack.a and what it needs
#    besides DPDK (F-Stack's Makefiles add DPDK and -lrt -lm -ldl -lcrypto
#    -lpthread -lnuma themselves), both read from libfastack.pc;
# 3. nginx: ./configure --with-ff_module, make; redis: make MALLOC=libc
#    (the tarball has no jemalloc configure).
#
# Output in $OUT = FASTACK_PORTS_DIR, default $BUILD/fstack-ports (outside
# the source tree; the tarballs are only read; .ci/run keeps it beside its
# build directories, which it wipes, so the cache outlives a CI run).  Cached: a port is unpacked and built again only
# when its tarball, the installed headers or this script change; when only
# libfastack.a changed it is relinked.  Prints the seconds each step took.
# Runs under a lock ($OUT/.lock): concurrent callers wait for each other.
# Exits 77 (with "skip:") when the material is absent (compat/fstack under
# FASTACK_SHARED, default ../shared beside the repository).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${BUILD:-$ROOT/build}" && pwd) || exit 1
FSTACK_SRC=${FASTACK_SHARED:-$ROOT/../shared}/compat/fstack
OUT=${FASTACK_PORTS_DIR:-$BUILD/fstack-ports}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
PORTS=("$@")
[ ${#PORTS[@]} -gt 0 ] || PORTS=(nginx redis)

if [ ! -f "$FSTACK_SRC/fstack-nginx-1.28.0.tar.gz" ] ||
	[ ! -f "$FSTACK_SRC/fstack-redis-6.2.6.tar.gz" ]; then
	echo "skip: F-Stack's ports not found in $FSTACK_SRC (../shared absent)"
	exit 77
fi
mkdir -p "$OUT"
# One build at a time (the integration tests call this script too).
exec 9>"$OUT/.lock"
flock 9
log() { printf 'build_ports: %s\n' "$*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# --- 1. staged install ---------------------------------------------------
t0=$(now)
STAGE=$OUT/stage
rm -rf "$STAGE"
if ! meson install -C "$BUILD" --destdir "$STAGE" >"$OUT/install.log" 2>&1; then
	tail -20 "$OUT/install.log"
	exit 1
fi
pc=$(find "$STAGE" -name libfastack.pc | head -1)
mkdir -p "$STAGE/pc"
sed "s|^prefix=|prefix=$STAGE|" "$pc" >"$STAGE/pc/libfastack.pc"
export PKG_CONFIG_PATH=$STAGE/pc${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
libdir=$(pkg-config --variable=libdir libfastack)
incdir=$(pkg-config --cflags-only-I libfastack | sed 's/^-I//; s/ .*//')

# --- 2. FF_PATH ----------------------------------------------------------
FF=$OUT/ff
rm -rf "$FF"
mkdir -p "$FF/lib"
ln -s "$incdir"/ff_*.h "$FF/lib/"
# What libfastack.a needs beyond DPDK: the -l flags of its static link
# that DPDK's own do not have.
extra=$(comm -23 <(pkg-config --static --libs-only-l libfastack | tr ' ' '\n' | grep . | sort -u) \
	<(pkg-config --static --libs-only-l libdpdk | tr ' ' '\n' | grep . | sort -u) |
	grep -vx -- -lfastack | tr '\n' ' ')
echo "INPUT($libdir/libfastack.a $extra)" >"$FF/lib/libfstack.a"
log "staged install and FF_PATH=$FF ($(secs "$t0") s); libfstack.a: $(cat "$FF/lib/libfstack.a")"

hdr_key=$( (sha256sum "$0" "$incdir"/ff_*.h | awk '{ print $1 }') | sha256sum | cut -c1-16)
lib_key=$(sha256sum "$libdir/libfastack.a" | cut -c1-16)

# build_port NAME TARBALL DIR BINARY -- unpack/build/relink as the keys say;
# the build commands are port_NAME_build and port_NAME_relink.
build_port() {
	local name=$1 tarball=$2 dir=$3 bin=$4 key t rc=0
	key=$( (sha256sum "$tarball" | cut -c1-16; echo "$hdr_key") | sha256sum | cut -c1-16)
	t=$(now)
	if [ "$(cat "$OUT/$name.key" 2>/dev/null)" = "$key" ] && [ -x "$OUT/$dir/$bin" ]; then
		if [ "$(cat "$OUT/$name.libkey" 2>/dev/null)" = "$lib_key" ]; then
			log "$name: cached ($OUT/$dir/$bin)"
			return 0
		fi
		(cd "$OUT/$dir" && rm -f "$bin" && "port_${name}_relink") >"$OUT/$name.log" 2>&1 || rc=1
		[ $rc = 0 ] && log "$name: relinked against the new libfastack.a ($(secs "$t") s)"
	else
		rm -rf "${OUT:?}/$dir" "$OUT/$name.key"
		tar -xzf "$tarball" -C "$OUT" || return 1
		(cd "$OUT/$dir" && "port_${name}_build") >"$OUT/$name.log" 2>&1 || rc=1
		[ $rc = 0 ] && log "$name: built ($(secs "$t") s)"
	fi
	if [ $rc != 0 ] || [ ! -x "$OUT/$dir/$bin" ]; then
		log "$name: FAILED; the end of $OUT/$name.log:"
		grep -E 'error|undefined|Error' "$OUT/$name.log" | head -30
		tail -15 "$OUT/$name.log"
		return 1
	fi
	echo "$key" >"$OUT/$name.key"
	echo "$lib_key" >"$OUT/$name.libkey"
}

# F-Stack's README for the nginx port: FF_PATH, ./configure --with-ff_module.
port_nginx_build() {
	FF_PATH=$FF ./configure --prefix="$OUT/nginx" --with-ff_module && make -j"$JOBS"
}
port_nginx_relink() { FF_PATH=$FF make -j"$JOBS"; }
# redis: make with FF_PATH, MALLOC=libc.
port_redis_build() { FF_PATH=$FF make -j"$JOBS" MALLOC=libc; }
port_redis_relink() { FF_PATH=$FF make -j"$JOBS" MALLOC=libc; }

fails=0
for p in "${PORTS[@]}"; do
	case $p in
	nginx) build_port nginx "$FSTACK_SRC/fstack-nginx-1.28.0.tar.gz" nginx-1.28.0 objs/nginx ;;
	redis) build_port redis "$FSTACK_SRC/fstack-redis-6.2.6.tar.gz" redis-6.2.6 src/redis-server ;;
	*)
		log "unknown port '$p' (nginx, redis)"
		false
		;;
	esac || fails=$((fails + 1))
done
[ $fails = 0 ]
