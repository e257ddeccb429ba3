/* test_kqueue_filters.c: the kqueue filters that watch no socket, as
 * FreeBSD's kevent(2) describes them, through the ff_* API on one stack on
 * virtual time:
 *
 *  - EVFILT_USER: NOTE_TRIGGER, the fflags operations (NOTE_FFNOP, FFAND,
 *    FFOR, FFCOPY) on the stored 24 bits, data as given, level without
 *    EV_CLEAR, EV_ONESHOT, EV_DISPATCH, EV_DISABLE/ENABLE, EV_DELETE;
 *  - EVFILT_TIMER: periodic timers counting expirations on the stack clock,
 *    the units (NOTE_SECONDS/MSECONDS/USECONDS/NSECONDS), EV_ONESHOT,
 *    NOTE_ABSTIME, EV_DISPATCH, re-adding, deleting, closing the kqueue,
 *    bad arguments and kern.kq_calloutmax;
 *  - the filters fastack has no source for: EINVAL at EV_ADD.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "ff_api.h"
#include "ff_event.h"
#include "harness.h"
#include "test_kq.h"
#include "stack/knobs.h"
#include "stack/stack.h"

static void one_create(struct h_one *h, const int64_t *knobs)
{
	h_one_create(h, NULL, knobs);
	stack_set_current(h->s);
}

/* ---- EVFILT_USER ---- */

TEST(user_trigger_with_clear_reports_once)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, (void *)0x5), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0); /* added, not triggered */
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].ident, 42);
	CHECK_EQ(ev[0].filter, EVFILT_USER);
	CHECK_EQ(ev[0].flags, EV_CLEAR);
	CHECK_EQ(ev[0].fflags, 0);
	CHECK(ev[0].udata == (void *)0x5); /* a change without EV_ADD keeps udata */
	CHECK_EQ(kq_poll(kq, ev, 4), 0);   /* EV_CLEAR: the trigger is consumed */
	/* Two triggers before a wait are one event. */
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	/* A change without NOTE_TRIGGER does not fire it. */
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, 0, NOTE_FFCOPY | 3, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	/* Other idents are other events; an unknown one is ENOENT. */
	CHECK_ERR(kev1(kq, 43, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), ENOENT);
	CHECK_EQ(kev1(kq, 43, EVFILT_USER, EV_ADD | EV_CLEAR, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].ident, 43);
	/* EV_DELETE, then ENOENT. */
	CHECK_EQ(kev1(kq, 42, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_ERR(kev1(kq, 42, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), ENOENT);
	CHECK_ERR(kev1(kq, 42, EVFILT_USER, EV_DELETE, 0, 0, NULL), ENOENT);
	ff_close(kq);
	h_one_destroy(&h);
}

TEST(user_fflags_operations_and_data)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	/* A new event starts from the change's 24 bits. */
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, EV_ADD | EV_CLEAR, 0x000f00, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFNOP | 0xff, 7, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].fflags, 0x000f00); /* NOP: stored bits kept */
	CHECK_EQ(ev[0].data, 7);          /* data as the last change gave it */
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFOR | 0x000011, 8, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].fflags, 0x000f11);
	CHECK_EQ(ev[0].data, 8);
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFAND | 0x000101, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].fflags, 0x000101);
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER | NOTE_FFCOPY | 0xabcdef, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].fflags, 0xabcdef); /* reported: the 24 bits, no control bits */
	/* EV_CLEAR consumes the trigger, not the stored bits. */
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].fflags, 0xabcdef);
	ff_close(kq);
	h_one_destroy(&h);
}

TEST(user_level_oneshot_dispatch_disable)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	/* Without EV_CLEAR a triggered event stays triggered (level). */
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, EV_ADD, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	/* EV_DISABLE hides it, EV_ENABLE shows it again. */
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, EV_DISABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kev1(kq, 1, EVFILT_USER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);

	/* EV_ONESHOT: reported once, then gone. */
	CHECK_EQ(kev1(kq, 2, EVFILT_USER, EV_ADD | EV_ONESHOT, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 2, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_ONESHOT);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_ERR(kev1(kq, 2, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), ENOENT);

	/* EV_DISPATCH | EV_CLEAR: reported once, then disabled until
	 * EV_ENABLE; a trigger while disabled is reported on enabling. */
	CHECK_EQ(kev1(kq, 3, EVFILT_USER, EV_ADD | EV_DISPATCH | EV_CLEAR, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_DISPATCH | EV_CLEAR);
	CHECK_EQ(kev1(kq, 3, EVFILT_USER, 0, NOTE_TRIGGER, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_USER, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	ff_close(kq);
	h_one_destroy(&h);
}

/* ---- EVFILT_TIMER ---- */

TEST(timer_periodic_counts_expirations_on_the_stack_clock)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	CHECK_EQ(kev1(kq, 7, EVFILT_TIMER, EV_ADD, 0, 10, (void *)0x7), 0); /* 10 ms */
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	h_one_run_ms(&h, 9);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].ident, 7);
	CHECK_EQ(ev[0].filter, EVFILT_TIMER);
	CHECK_EQ(ev[0].flags, EV_CLEAR); /* always set on timers */
	CHECK_EQ(ev[0].data, 1);         /* expirations since last reported */
	CHECK(ev[0].udata == (void *)0x7);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	/* Not collected for 35 ms: 3 more, counted in one event. */
	h_one_run_ms(&h, 35);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 3);
	/* The period stays on its grid: 50 ms after the start, one more. */
	h_one_run_ms(&h, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 1);
	/* Delete: no more, and ENOENT for a second delete. */
	CHECK_EQ(kev1(kq, 7, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	h_one_run_ms(&h, 30);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_ERR(kev1(kq, 7, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);
	CHECK_EQ(h.s->kq_timers, 0);
	ff_close(kq);
	h_one_destroy(&h);
}

TEST(timer_units)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	CHECK_EQ(kev1(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, 1, NULL), 0);
	CHECK_EQ(kev1(kq, 2, EVFILT_TIMER, EV_ADD, NOTE_MSECONDS, 100, NULL), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 250000, NULL), 0);
	CHECK_EQ(kev1(kq, 4, EVFILT_TIMER, EV_ADD, NOTE_NSECONDS, 500000000, NULL), 0);
	h_one_run_ms(&h, 1000);
	int64_t got[5] = { 0 };
	int n = kq_poll(kq, ev, 4);
	CHECK_EQ(n, 4);
	for (int i = 0; i < n; i++)
		if (ev[i].ident >= 1 && ev[i].ident <= 4)
			got[ev[i].ident] = ev[i].data;
	CHECK_EQ(got[1], 1);  /* 1 s */
	CHECK_EQ(got[2], 10); /* 100 ms */
	CHECK_EQ(got[3], 4);  /* 250000 us */
	CHECK_EQ(got[4], 2);  /* 500000000 ns */
	/* A period below the wheel's 1 ms tick: one event per tick, each
	 * counting the periods that elapsed. */
	CHECK_EQ(kev1(kq, 5, EVFILT_TIMER, EV_ADD, NOTE_USECONDS, 100, NULL), 0);
	CHECK_EQ(kev1(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 2, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 4, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 10);
	h_one_run_ms(&h, 5);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 50);
	ff_close(kq);
	CHECK_EQ(h.s->kq_timers, 0); /* closing the kqueue stops its timers */
	h_one_destroy(&h);
}

TEST(timer_oneshot_dispatch_readd_disable)
{
	struct h_one h;
	struct kevent ev[4];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	/* EV_ONESHOT: fires once, then the event is gone. */
	CHECK_EQ(kev1(kq, 1, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 5, NULL), 0);
	h_one_run_ms(&h, 20);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_ONESHOT | EV_CLEAR);
	CHECK_EQ(ev[0].data, 1);
	CHECK_ERR(kev1(kq, 1, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), ENOENT);
	CHECK_EQ(h.s->kq_timers, 0);
	/* A one-shot timer of 0 fires at the next pass. */
	CHECK_EQ(kev1(kq, 2, EVFILT_TIMER, EV_ADD | EV_ONESHOT, 0, 0, NULL), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);

	/* EV_DISPATCH: reported, then disabled while it keeps counting;
	 * EV_ENABLE reports what accumulated. */
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ADD | EV_DISPATCH, 0, 10, NULL), 0);
	h_one_run_ms(&h, 10);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_DISPATCH | EV_CLEAR);
	h_one_run_ms(&h, 20);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 2);
	/* EV_ADD again restarts it with the new period and forgets what was
	 * not yet reported. */
	h_one_run_ms(&h, 5);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ADD, 0, 50, NULL), 0);
	h_one_run_ms(&h, 49);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 1);
	/* EV_DISABLE: nothing reported while disabled. */
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_DISABLE, 0, 0, NULL), 0);
	h_one_run_ms(&h, 100);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 2);
	ff_close(kq);
	h_one_destroy(&h);
}

TEST(timer_abstime_fires_once_at_the_wall_clock_time)
{
	struct h_one h;
	struct kevent ev[4];
	struct timespec ts;
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t at_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 200;
	CHECK_EQ(kev1(kq, 9, EVFILT_TIMER, EV_ADD, NOTE_ABSTIME | NOTE_MSECONDS, at_ms, NULL), 0);
	h_one_run_ms(&h, 150); /* virtual time: the wall clock barely moved */
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	h_one_run_ms(&h, 100);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 1);
	/* Not periodic; the event stays registered until deleted. */
	h_one_run_ms(&h, 1000);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, 9, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	/* A time already past fires at once. */
	CHECK_EQ(kev1(kq, 10, EVFILT_TIMER, EV_ADD, NOTE_ABSTIME | NOTE_SECONDS, 1, NULL), 0);
	h_one_run_ms(&h, 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	ff_close(kq);
	h_one_destroy(&h);
}

TEST(timer_bad_arguments_and_calloutmax)
{
	struct h_one h;
	struct kevent ch[2], ev[4];
	int64_t k[KNOB_COUNT];
	int kq;

	for (unsigned i = 0; i < KNOB_COUNT; i++)
		k[i] = knob_table[i].def;
	k[KNOB_KQ_CALLOUTMAX] = 3;
	one_create(&h, k);
	kq = ff_kqueue();
	CHECK_ERR(kev1(kq, 1, EVFILT_TIMER, EV_ADD, 0, -1, NULL), EINVAL);
	CHECK_ERR(kev1(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS | NOTE_USECONDS, 1, NULL), EINVAL);
	CHECK_ERR(kev1(kq, 1, EVFILT_TIMER, EV_ADD, 0x100, 1, NULL), EINVAL);
	CHECK_EQ(h.s->kq_timers, 0); /* refused adds leave nothing behind */
	CHECK_ERR(kev1(kq, 1, EVFILT_TIMER, EV_ENABLE, 0, 1, NULL), ENOENT);
	/* A huge period saturates instead of wrapping. */
	CHECK_EQ(kev1(kq, 1, EVFILT_TIMER, EV_ADD, NOTE_SECONDS, INT64_MAX, NULL), 0);
	CHECK_EQ(kev1(kq, 2, EVFILT_TIMER, EV_ADD, 0, 1000, NULL), 0);
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ADD, 0, 1000, NULL), 0);
	CHECK_ERR(kev1(kq, 4, EVFILT_TIMER, EV_ADD, 0, 1000, NULL), ENOMEM);
	CHECK_EQ(h.s->stats.ev.ev_kevent_notimer, 1);
	/* Re-adding an existing one is not a new timer. */
	CHECK_EQ(kev1(kq, 3, EVFILT_TIMER, EV_ADD, 0, 5, NULL), 0);
	/* The error as an EV_ERROR entry when there is room. */
	EV_SET(&ch[0], 4, EVFILT_TIMER, EV_ADD, 0, 1000, NULL);
	CHECK_EQ(ff_kevent(kq, ch, 1, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].flags, EV_ERROR);
	CHECK_EQ(ev[0].data, ENOMEM);
	CHECK_EQ(kev1(kq, 2, EVFILT_TIMER, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, 4, EVFILT_TIMER, EV_ADD, 0, 1000, NULL), 0);
	h_one_run_ms(&h, 5);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].ident, 3);
	ff_close(kq);
	CHECK_EQ(h.s->kq_timers, 0);
	h_one_destroy(&h);
}

/* ---- filters without a source in fastack ---- */

TEST(filters_without_a_source_are_einval)
{
	static const short none[] = { EVFILT_AIO,      EVFILT_VNODE, EVFILT_PROC, EVFILT_SIGNAL,
		                      EVFILT_PROCDESC, EVFILT_FS,    EVFILT_LIO,  EVFILT_SENDFILE,
		                      EVFILT_EMPTY,    -14,          0,           5 };
	struct h_one h;
	struct kevent ch, ev[2];
	int kq;

	one_create(&h, NULL);
	kq = ff_kqueue();
	for (unsigned i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		CHECK_ERR(kev1(kq, 1, none[i], EV_ADD, NOTE_DELETE | NOTE_WRITE, 0, NULL), EINVAL);
		EV_SET(&ch, 1, none[i], EV_ADD, NOTE_EXIT, 0, NULL);
		CHECK_EQ(ff_kevent(kq, &ch, 1, ev, 2, NULL), 1);
		CHECK_EQ(ev[0].flags, EV_ERROR);
		CHECK_EQ(ev[0].data, EINVAL);
	}
	CHECK_EQ(h.s->stats.ev.ev_kevent_nofilter, 24);
	ff_close(kq);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
