/* compiler.h: small compiler helpers shared by every layer.  DPDK defines some
 * of the same names (container_of); ours step aside for DPDK's. */
#ifndef FASTACK_BASE_COMPILER_H
#define FASTACK_BASE_COMPILER_H

#include <stddef.h>

#ifndef likely
#define likely(x) __builtin_expect(!!(x), 1)
#endif
#ifndef unlikely
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#ifndef container_of
#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Only ff_* symbols are exported (see src/libfastack.map). */
#define FF_EXPORT __attribute__((visibility("default")))

#endif
