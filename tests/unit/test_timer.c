/* test_timer.c: the hashed timing wheel (src/base/timer.c) on virtual time. */
#include <stdlib.h>

#include "base/timer.h"
#include "harness.h"

#define MS 1000000ull

struct rec {
	struct timer t;
	unsigned fired;
	uint64_t at; /* wheel position when it fired */
	struct timer_wheel *w;
	uint64_t rearm_ns; /* re-arm this far ahead when fired (0: no) */
	unsigned rearm_left;
};

static uint64_t fire_now; /* the 'now' given to the run that fires */

static void rec_fire(struct timer *t, void *ctx)
{
	struct rec *r = container_of(t, struct rec, t);

	(void)ctx;
	r->fired++;
	r->at = fire_now;
	if (r->rearm_ns && r->rearm_left) {
		r->rearm_left--;
		timer_arm(r->w, &r->t, fire_now + r->rearm_ns);
	}
}

static struct timer_wheel *wheel_new(uint64_t now)
{
	struct timer_wheel *w = malloc(sizeof(*w));

	timer_wheel_init(w, now, MS);
	return w;
}

static void run_to(struct timer_wheel *w, uint64_t now)
{
	fire_now = now;
	timer_wheel_run(w, now, NULL);
}

TEST(timer_fires_at_deadline_never_early)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec r = { 0 };

	timer_init(&r.t, rec_fire);
	timer_arm(w, &r.t, 10 * MS + 1); /* rounds up to 11 ms */
	run_to(w, 10 * MS);
	CHECK_EQ(r.fired, 0);
	run_to(w, 11 * MS - 1);
	CHECK_EQ(r.fired, 0);
	run_to(w, 11 * MS);
	CHECK_EQ(r.fired, 1);
	CHECK(!timer_armed(&r.t));
	CHECK_EQ(w->narmed, 0);
	free(w);
}

TEST(timer_cancel_and_rearm)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec a = { 0 }, b = { 0 };

	timer_init(&a.t, rec_fire);
	timer_init(&b.t, rec_fire);
	timer_arm(w, &a.t, 5 * MS);
	timer_arm(w, &b.t, 5 * MS);
	timer_cancel(w, &a.t);
	timer_cancel(w, &a.t);       /* idempotent */
	timer_arm(w, &b.t, 20 * MS); /* re-arm moves it */
	CHECK_EQ(w->narmed, 1);
	run_to(w, 10 * MS);
	CHECK_EQ(a.fired, 0);
	CHECK_EQ(b.fired, 0);
	run_to(w, 20 * MS);
	CHECK_EQ(b.fired, 1);
	free(w);
}

TEST(timer_later_rounds_wait_their_turn)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec near = { 0 }, far = { 0 };

	timer_init(&near.t, rec_fire);
	timer_init(&far.t, rec_fire);
	/* Same slot, one round apart. */
	timer_arm(w, &near.t, 100 * MS);
	timer_arm(w, &far.t, (100 + TIMER_WHEEL_SLOTS) * MS);
	run_to(w, 100 * MS);
	CHECK_EQ(near.fired, 1);
	CHECK_EQ(far.fired, 0);
	run_to(w, (99 + TIMER_WHEEL_SLOTS) * MS);
	CHECK_EQ(far.fired, 0);
	run_to(w, (100 + TIMER_WHEEL_SLOTS) * MS);
	CHECK_EQ(far.fired, 1);
	free(w);
}

TEST(timer_big_jump_fires_everything_due)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec r[50];

	for (unsigned i = 0; i < 50; i++) {
		r[i] = (struct rec){ 0 };
		timer_init(&r[i].t, rec_fire);
		timer_arm(w, &r[i].t, (uint64_t)(i + 1) * 1000 * MS); /* 1 s .. 50 s */
	}
	run_to(w, 65000 * MS); /* a 65-second jump of virtual time */
	for (unsigned i = 0; i < 50; i++)
		CHECK_EQ(r[i].fired, 1);
	CHECK_EQ(w->narmed, 0);
	free(w);
}

TEST(timer_past_deadline_fires_next_run)
{
	struct timer_wheel *w = wheel_new(50 * MS);
	struct rec r = { 0 };

	timer_init(&r.t, rec_fire);
	timer_arm(w, &r.t, 10 * MS);
	run_to(w, 50 * MS);
	CHECK_EQ(r.fired, 1);
	free(w);
}

TEST(timer_rearm_from_callback_terminates)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec r = { 0 };

	timer_init(&r.t, rec_fire);
	r.w = w;
	r.rearm_ns = 0; /* ask for "now" from inside the callback */
	r.rearm_left = 0;
	/* A periodic timer, every 10 ms, 5 times. */
	r.rearm_ns = 10 * MS;
	r.rearm_left = 4;
	timer_arm(w, &r.t, 10 * MS);
	for (uint64_t t = 1; t <= 100; t++)
		run_to(w, t * MS);
	CHECK_EQ(r.fired, 5);
	CHECK_EQ(r.at, 50 * MS);
	free(w);
}

TEST(timer_next_deadline)
{
	struct timer_wheel *w = wheel_new(0);
	struct rec a = { 0 }, b = { 0 };

	CHECK(timer_wheel_next_deadline(w) == UINT64_MAX);
	timer_init(&a.t, rec_fire);
	timer_init(&b.t, rec_fire);
	timer_arm(w, &a.t, 7000 * MS); /* beyond one round */
	timer_arm(w, &b.t, 30 * MS);
	CHECK_EQ(timer_wheel_next_deadline(w), 30 * MS);
	timer_cancel(w, &b.t);
	CHECK_EQ(timer_wheel_next_deadline(w), 7000 * MS);
	free(w);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
