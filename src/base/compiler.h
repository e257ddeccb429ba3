/* compiler.h: small compiler helpers shared by every layer. */
#ifndef FASTACK_BASE_COMPILER_H
#define FASTACK_BASE_COMPILER_H

#include <stddef.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Only ff_* symbols are exported (see src/libfastack.map). */
#define FF_EXPORT __attribute__((visibility("default")))

#endif
