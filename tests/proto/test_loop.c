/* test_loop.c: ff_run, the poll loop (src/api/ff_init.c), on one stack on a
 * capture port:
 *  - the pass contract (DESIGN.md principles 1 and 4): one clock reading per
 *    pass, then RX with every frame carried through the stack, due timers,
 *    the application's loop function, TX flush, in that order; what the
 *    timers and the application send leaves in that pass's flush.  The
 *    stack's clock (s->clock_ns) is replaced by a counting virtual clock,
 *    and the capture port's ops by ones that log each call;
 *  - [dpdk] idle_sleep sleeps after a pass that received nothing, never
 *    after one that received something, and the sleep is idle time.
 *
 * The idle_sleep tests read the real clock, so they take real time: a few
 * tens of milliseconds.  Counts are exact (loop.loop_sleeps); times are only
 * checked from below, since a loaded machine may run the loop late but
 * never early.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_ether.h>

#include "ff_api.h"
#include "harness.h"
#include "base/timer.h"
#include "eth/arp.h"
#include "stack/stack.h"

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

/* ---- the pass contract ---- */

#define ORDER_PASSES 5
#define ORDER_STEP_NS 10000000ull /* the virtual clock moves 10 ms a reading */

/* One event of a pass, as the test's hooks saw it. */
struct ev {
	char what;        /* C clock read, R rx_burst, T timer, A app, F tx_burst */
	uint64_t now;     /* s->now at the event (C: the reading returned) */
	uint64_t passes;  /* loop.loop_passes */
	uint64_t noproto; /* eth.eth_noproto: injected frames carried through */
	unsigned sent;    /* frames the capture port has taken */
	uint16_t n;       /* R: frames received, F: frames offered */
};

static struct order {
	struct h_one *h;
	const struct port_ops *cap_ops; /* the capture port's own ops */
	uint64_t clock;
	unsigned nev, passes, injected;
	struct ev ev[8 * ORDER_PASSES + 4];
	struct timer tm;
	int fd;
} ord;

static void order_log(char what, uint16_t n, uint64_t now)
{
	struct stack *s = ord.h->s;

	if (ord.nev < ARRAY_SIZE(ord.ev))
		ord.ev[ord.nev] = (struct ev){ .what = what,
			                       .now = now,
			                       .passes = s->stats.loop_passes,
			                       .noproto = s->stats.eth.eth_noproto,
			                       .sent = cap_port_sent(ord.h->cap),
			                       .n = n };
	ord.nev++;
}

/* s->clock_ns: virtual time, logged. */
static uint64_t order_clock(void)
{
	ord.clock += ORDER_STEP_NS;
	order_log('C', 0, ord.clock);
	return ord.clock;
}

static uint16_t order_rx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t got = ord.cap_ops->rx_burst(p, pkts, n);

	order_log('R', got, ord.h->s->now);
	return got;
}

static uint16_t order_tx(struct port *p, struct rte_mbuf **pkts, uint16_t n)
{
	order_log('F', n, ord.h->s->now);
	return ord.cap_ops->tx_burst(p, pkts, n);
}

static void order_close(struct port *p)
{
	ord.cap_ops->close(p);
}

static const struct port_ops order_ops = {
	.rx_burst = order_rx,
	.tx_burst = order_tx,
	.close = order_close,
};

/* A frame of an EtherType nobody handles: eth_noproto counts it. */
static void order_inject(void)
{
	uint8_t f[60] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x09, 0x88, 0xb5 };

	cap_port_inject(ord.h->cap, harness_frame(ord.h->pool, f, sizeof(f)));
	ord.injected++;
}

/* A due timer: logs, sends a frame (queued, not flushed), re-arms for the
 * next pass. */
static void order_timer(struct timer *t, void *ctx)
{
	struct stack *s = ctx;
	uint8_t f[60] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5 };

	order_log('T', 0, s->now);
	port_tx(ord.h->cap, harness_frame(ord.h->pool, f, sizeof(f)));
	timer_arm(s->wheel, t, s->now + STACK_TICK_NS);
}

/* The application: logs, sends a datagram, injects a frame for the next
 * pass, stops after ORDER_PASSES. */
static int order_app(void *arg)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		                  .sin_port = htons(7),
		                  .sin_addr.s_addr = htonl(0xc6120002) };

	(void)arg;
	order_log('A', 0, ord.h->s->now);
	CHECK_EQ(ff_sendto(ord.fd, "x", 1, 0, (struct linux_sockaddr *)&to, sizeof(to)), 1);
	if (++ord.passes == ORDER_PASSES)
		ff_stop_run();
	else
		order_inject();
	return 0;
}

TEST(pass_order_rx_stack_timers_app_flush_one_clock_read)
{
	static const struct rte_ether_addr peer = { { 0x02, 0, 0, 0, 0, 0x02 } };
	struct sockaddr_in any = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct h_one h;
	char pattern[8 * ORDER_PASSES + 4] = "C";
	unsigned sent_at_pass_start = 0, sent0;
	uint64_t pass_now = 0;

	h_one_create(&h, NULL, NULL);
	CHECK_EQ(arp_add_static(h.s, 0, h_ip4("198.18.0.2"), &peer), 0);
	memset(&ord, 0, sizeof(ord));
	ord.h = &h;
	ord.clock = h.now;
	ord.fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(ord.fd >= 0);
	CHECK_EQ(ff_bind(ord.fd, (struct linux_sockaddr *)&any, sizeof(any)), 0);
	ord.cap_ops = h.cap->ops;
	h.cap->ops = &order_ops;
	h.s->clock_ns = order_clock;
	timer_init(&ord.tm, order_timer);
	timer_arm(h.s->wheel, &ord.tm, h.now);
	memset(&h.s->stats, 0, sizeof(h.s->stats));
	order_inject();               /* for the first pass */
	sent0 = cap_port_sent(h.cap); /* the gratuitous ARP */

	ff_run(order_app, NULL);

	/* The clock is read once per pass, plus once to end the last one. */
	for (unsigned i = 1; i <= ORDER_PASSES; i++)
		strcat(pattern, "RTAFC");
	CHECK_EQ(h.s->stats.loop_passes, ORDER_PASSES);
	CHECK_EQ(ord.nev, strlen(pattern));
	for (unsigned i = 0; i < ord.nev && i < strlen(pattern); i++)
		CHECK(ord.ev[i].what == pattern[i], "event %u is %c, expected %c (pattern %s)", i,
		      ord.ev[i].what, pattern[i], pattern);
	for (unsigned i = 0; i < ord.nev && i < ARRAY_SIZE(ord.ev); i++) {
		const struct ev *e = &ord.ev[i];
		unsigned pass = (unsigned)e->passes; /* 1-based inside a pass */

		switch (e->what) {
		case 'C':
			/* Between passes: the pass before it has flushed
			 * both its frames (the timer's and the application's). */
			CHECK_EQ(e->sent, sent0 + 2 * pass);
			CHECK_EQ(e->passes, i / 5);
			sent_at_pass_start = e->sent;
			pass_now = e->now;
			break;
		case 'R':
			/* now is the pass's one reading; the frame injected
			 * before it is received. */
			CHECK_EQ(e->now, pass_now);
			CHECK_EQ(e->n, 1);
			break;
		case 'T':
			/* RX has carried the frame through the stack. */
			CHECK_EQ(e->now, pass_now);
			CHECK_EQ(e->noproto, pass);
			break;
		case 'A':
			/* After the timer; nothing flushed yet in this pass. */
			CHECK_EQ(e->now, pass_now);
			CHECK_EQ(e->sent, sent_at_pass_start);
			break;
		case 'F':
			/* The flush offers what the timer and the
			 * application queued in this pass. */
			CHECK_EQ(e->now, pass_now);
			CHECK_EQ(e->n, 2);
			CHECK_EQ(e->sent, sent_at_pass_start);
			break;
		}
	}
	CHECK_EQ(cap_port_sent(h.cap), sent0 + 2 * ORDER_PASSES);
	/* Busy time is counted on the virtual clock: one step per pass. */
	CHECK_EQ(h.s->stats.loop_busy_passes, ORDER_PASSES);
	CHECK_EQ(h.s->stats.loop_busy_ns, ORDER_PASSES * ORDER_STEP_NS);
	CHECK_EQ(h.s->stats.loop_idle_ns, 0);
	timer_cancel(h.s->wheel, &ord.tm);
	CHECK_EQ(ff_close(ord.fd), 0);
	h.s->clock_ns = stack_clock_ns;
	h_one_destroy(&h);
}

/* ---- idle_sleep ---- */

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
