/* nodeepbind.c: lets packetdrill load the ASan/UBSan build of the adapter.
 *
 * packetdrill dlopen()s the adapter with RTLD_DEEPBIND, which the ASan
 * runtime refuses (deep binding would let the adapter bypass its
 * interceptors).  Preloaded ahead of the runtime (run.sh's PD_PRELOAD,
 * with ASAN_OPTIONS=verify_asan_link_order=0), this dlopen() takes the
 * flag off and hands the call on.  Without deep binding the adapter and
 * the DPDK libraries find the C library's getopt_long and its state in the
 * global scope, as test_adapter loads it under ASan.  Test tooling only,
 * never linked into anything. */
#include <dlfcn.h>
#include <stddef.h>

__attribute__((visibility("default"))) void *dlopen(const char *file, int mode);

void *dlopen(const char *file, int mode)
{
	static void *(*next)(const char *, int);

	if (!next)
		next = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	return next ? next(file, mode & ~RTLD_DEEPBIND) : NULL;
}
