/* test_kq.h: helpers shared by the event tests (test_event.c,
 * test_kqueue_filters.c): CHECK_ERR, one kqueue change, a kqueue poll. */
#ifndef FASTACK_TESTS_PROTO_TEST_KQ_H
#define FASTACK_TESTS_PROTO_TEST_KQ_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ff_api.h"
#include "ff_event.h"
#include "harness.h"

/* One change, no events asked: 0 or -1 with errno. */
static inline int kev1(int kq, uintptr_t ident, short filter, unsigned short flags, unsigned fflags,
                       int64_t data, void *udata)
{
	struct kevent ch;

	EV_SET(&ch, ident, filter, flags, fflags, data, udata);
	return ff_kevent(kq, &ch, 1, NULL, 0, NULL);
}

/* Collects events; returns how many. */
static inline int kq_poll(int kq, struct kevent *out, int n)
{
	struct timespec zero = { 0, 0 };

	return ff_kevent(kq, NULL, 0, out, n, &zero);
}

#endif
