/* accept_pause.h: what a server does when ff_accept runs out of
 * descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM), as production
 * servers do it (nginx's ngx_event_accept disables its accept events for a
 * while, 500 ms, on EMFILE/ENFILE).
 *
 * The connection that could not be accepted stays in the listener's queue,
 * and the listener stays readable (Linux's accept and fastack's alike), so
 * a level-triggered loop that simply tries again asks on every pass and
 * fails every time: a spin.  Instead the program stops watching the
 * listener (EV_DISABLE / EPOLL_CTL_MOD with no events) for pause_ms,
 * counts the pause, and watches it again afterwards; by then closed
 * connections may have freed descriptors, and the queued connections are
 * accepted at once.
 *
 * Use: accept_pause_init(&p) (FASTACK_ACCEPT_PAUSE_MS, default 100 ms);
 * after a failed ff_accept, accept_pause_wanted(errno) says whether to
 * pause, accept_pause_start(&p, now) starts it; once per pass,
 * accept_pause_over(&p, now) says when to watch the listener again.
 * Header-only, so that each example stays one file plus what it shares.
 */
#ifndef FASTACK_EXAMPLES_ACCEPT_PAUSE_H
#define FASTACK_EXAMPLES_ACCEPT_PAUSE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define ACCEPT_PAUSE_DEFAULT_MS 100

struct accept_pause {
	uint64_t ms;       /* how long a pause lasts */
	uint64_t until_ms; /* the pause ends then; 0 = not paused */
	uint64_t pauses;   /* how many there were */
};

/* Milliseconds of CLOCK_MONOTONIC (the application's clock). */
static inline uint64_t accept_pause_clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* 0, or -1 when FASTACK_ACCEPT_PAUSE_MS is not a number of 1..60000. */
static inline int accept_pause_init(struct accept_pause *p)
{
	const char *v = getenv("FASTACK_ACCEPT_PAUSE_MS");
	char *end;
	long ms = ACCEPT_PAUSE_DEFAULT_MS;

	if (v && *v) {
		ms = strtol(v, &end, 10);
		if (*end || ms < 1 || ms > 60000)
			return -1;
	}
	p->ms = (uint64_t)ms;
	p->until_ms = 0;
	p->pauses = 0;
	return 0;
}

/* Does ff_accept's errno e call for a pause (the table or memory is
 * full) rather than a retry? */
static inline bool accept_pause_wanted(int e)
{
	return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

static inline void accept_pause_start(struct accept_pause *p, uint64_t now_ms)
{
	p->until_ms = now_ms + p->ms;
	p->pauses++;
}

/* True once, when a pause has run its time: watch the listener again. */
static inline bool accept_pause_over(struct accept_pause *p, uint64_t now_ms)
{
	if (!p->until_ms || now_ms < p->until_ms)
		return false;
	p->until_ms = 0;
	return true;
}

#endif
