/* test_loop.c: ff_run, the poll loop (src/api/ff_init.c), on one stack on a
 * capture port: [dpdk] idle_sleep sleeps after a pass that received nothing,
 * never after one that received something, and the sleep is idle time.
 *
 * ff_run reads the real clock, so these tests take real time: a few tens of
 * milliseconds.  Counts are exact (loop.loop_sleeps); times are only checked
 * from below, since a loaded machine may run the loop late but never early.
 */
#include <rte_ether.h>

#include "ff_api.h"
#include "harness.h"

#define PASSES 20
#define SLEEP_US 3000

struct loop_arg {
	struct h_one *h;
	unsigned passes;
	bool feed; /* inject a frame for the next pass */
};

/* The application's loop function: counts passes, stops after PASSES. */
static int loop_fn(void *arg)
{
	struct loop_arg *la = arg;

	if (la->feed) {
		/* An Ethernet frame of a type nobody handles: received (the
		 * pass is busy), then dropped and counted. */
		uint8_t f[60] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x09, 0x88, 0xb5 };

		cap_port_inject(la->h->cap, harness_frame(la->h->pool, f, sizeof(f)));
	}
	if (++la->passes == PASSES)
		ff_stop_run();
	return 0;
}

/* Runs ff_run to PASSES passes; the wall time it took, in ns. */
static uint64_t run(struct h_one *h, uint32_t sleep_us, bool feed)
{
	struct loop_arg la = { .h = h, .feed = feed };
	uint64_t t0;

	h->s->idle_sleep_us = sleep_us;
	memset(&h->s->stats, 0, sizeof(h->s->stats));
	t0 = stack_clock_ns();
	ff_run(loop_fn, &la);
	CHECK_EQ(la.passes, PASSES);
	CHECK_EQ(h->s->stats.loop_passes, PASSES);
	return stack_clock_ns() - t0;
}

static void one_create(struct h_one *h)
{
	h_one_create(h, NULL, NULL);
	/* ff_run reads the monotonic clock: bring the stack's time to it. */
	h->now = stack_clock_ns();
	h_one_pass(h);
}

TEST(idle_sleep_after_idle_passes)
{
	struct h_one h;
	uint64_t ns;

	one_create(&h);
	ns = run(&h, SLEEP_US, false);
	/* Every pass but the one that stopped the loop slept. */
	CHECK_EQ(h.s->stats.loop_sleeps, PASSES - 1);
	CHECK_EQ(h.s->stats.loop_busy_passes, 0);
	CHECK(ns >= (PASSES - 1) * SLEEP_US * 1000ull, "%llu ns", (unsigned long long)ns);
	/* The sleeps are idle time: the clock is read once per pass, and the
	 * reading after a sleep closes the idle pass before it. */
	CHECK(h.s->stats.loop_idle_ns >= (PASSES - 1) * SLEEP_US * 1000ull, "%llu ns",
	      (unsigned long long)h.s->stats.loop_idle_ns);
	CHECK_EQ(h.s->stats.loop_busy_ns, 0);
	h_one_destroy(&h);
}

TEST(idle_sleep_not_after_busy_passes)
{
	struct h_one h;

	one_create(&h);
	run(&h, SLEEP_US, true);
	/* Only the first pass received nothing (the first frame is injected
	 * by its loop function). */
	CHECK_EQ(h.s->stats.loop_busy_passes, PASSES - 1);
	CHECK_EQ(h.s->stats.loop_sleeps, 1);
	CHECK_EQ(h.s->stats.eth.eth_noproto, PASSES - 1);
	h_one_destroy(&h);
}

TEST(idle_sleep_zero_polls)
{
	struct h_one h;

	one_create(&h);
	run(&h, 0, false);
	CHECK_EQ(h.s->stats.loop_sleeps, 0);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
