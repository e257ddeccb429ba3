/* test_co.c: coroutines (src/co, include/ff_co.h, include/ff_mt.h) on
 * virtual time.
 *
 *  - the runtime: spawn order, yield, sleep waking on the pass of its exact
 *    virtual deadline, join/detach, the per-pass bound (fastack.co.batch);
 *  - 10,000 coroutines on stack a, each a UDP request/response with
 *    stack b's server coroutine (ff_co_udp_sendrcv), a third of them
 *    unanswered: every one of those times out on the pass of its own
 *    virtual deadline; 1,000 TCP exchanges (ff_co_tcp_sendrcv with a
 *    length-prefix framing callback), a fifth of them answered never;
 *  - cancellation of a coroutine parked in each kind of park (every
 *    socket call, sleep, yield, join, mutex, condition, channel, both
 *    sendrcv helpers): ECANCELED, its socket closed, its stack back in the
 *    pool, no descriptor left;
 *  - the guards: a coroutine that never yields is reported by the
 *    watchdog with its name; a stack overflow (in a forked child) aborts
 *    after naming the coroutine;
 *  - bad input: EAGAIN past fastack.co.max, EINVAL stack sizes, EPERM
 *    outside a coroutine, EBADF when the descriptor is closed under a
 *    waiter, ECANCELED, EDEADLK/EPERM/EBUSY/EPIPE of the coordination
 *    objects;
 *  - mutex hand-over order, condition, channel; the mt_* names.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ff_api.h"
#include "ff_co.h"
#include "ff_epoll.h"
#include "ff_mt.h"
#include "harness.h"
#include "co/co.h"
#include "stack/stack.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"
#define NOBODY_IP "198.18.0.77" /* on the link, never answers ARP */

static int64_t knobs[KNOB_COUNT];

static const int64_t *knobs_with(enum knob_id id, int64_t v)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	knobs[id] = v;
	return knobs;
}

static uint64_t ms_of(struct stack *s)
{
	return s->now / 1000000ull;
}

/* ---- the runtime ---- */

struct order {
	char log[64];
	unsigned n;
	uint64_t woke_ms[4];
};

static void step_a(void *arg)
{
	struct order *o = arg;

	o->log[o->n++] = 'a';
	ff_co_yield();
	o->log[o->n++] = 'A';
}

static void step_b(void *arg)
{
	struct order *o = arg;

	o->log[o->n++] = 'b';
	ff_co_yield();
	o->log[o->n++] = 'B';
}

static void sleeper(void *arg)
{
	struct order *o = arg;

	CHECK_EQ(ff_co_sleep_ms(7), 0);
	o->woke_ms[0] = ff_co_now_ms();
	CHECK_EQ(ff_co_sleep_ms(0), 0);
	o->woke_ms[1] = ff_co_now_ms();
}

TEST(co_yield_sleep_order)
{
	struct h_one h;
	struct order o = { 0 };
	uint64_t t0;

	h_one_create(&h, NULL, NULL);
	CHECK(ff_co_spawn(step_a, &o, NULL) != NULL);
	CHECK(ff_co_spawn(step_b, &o, NULL) != NULL);
	CHECK_EQ(ff_co_count(), 2);
	/* Spawned: nothing runs before the scheduler does. */
	CHECK_EQ(o.n, 0);
	h_one_pass(&h);
	CHECK(memcmp(o.log, "ab", 2) == 0 && o.n == 2, "%.*s", (int)o.n, o.log);
	h_one_pass(&h); /* a yield waits for the next pass */
	CHECK(memcmp(o.log, "abAB", 4) == 0 && o.n == 4, "%.*s", (int)o.n, o.log);
	CHECK_EQ(ff_co_count(), 0);

	t0 = ms_of(h.s);
	CHECK(ff_co_spawn(sleeper, &o, NULL) != NULL);
	h_one_pass(&h);
	for (unsigned i = 0; i < 6; i++) {
		h_one_run_ms(&h, 1);
		CHECK_EQ(o.woke_ms[0], 0);
	}
	h_one_run_ms(&h, 1);
	CHECK_EQ(o.woke_ms[0], t0 + 7);
	CHECK_EQ(o.woke_ms[1], t0 + 7); /* a 0 ms sleep is a pass */
	CHECK_EQ(h.s->stats.co.co_spawned, 3);
	CHECK_EQ(h.s->stats.co.co_finished, 3);
	CHECK_EQ(h.s->stats.co.co_timeouts, 0); /* a sleep ending is not a timeout */
	h_one_destroy(&h);
}

static void ret_later(void *arg)
{
	ff_co_sleep_ms(5);
	*(int *)arg = 1;
}

struct joiner {
	ff_co_t *target;
	int rc, err;
	uint64_t at_ms;
	int timeout_ms;
};

static void do_join(void *arg)
{
	struct joiner *j = arg;

	j->rc = ff_co_join(j->target, j->timeout_ms);
	j->err = errno;
	j->at_ms = ff_co_now_ms();
}

TEST(co_join_detach)
{
	struct h_one h;
	struct joiner j1 = { 0 }, j2 = { 0 };
	struct ff_co_attr attr;
	int done = 0;
	uint64_t t0;

	h_one_create(&h, NULL, NULL);
	t0 = ms_of(h.s);
	j1.target = ff_co_spawn(ret_later, &done, NULL);
	j1.timeout_ms = 2; /* times out first */
	CHECK(ff_co_spawn(do_join, &j1, NULL) != NULL);
	h_one_pass(&h); /* both start at t0 */
	h_one_run_ms(&h, 3);
	CHECK_EQ(j1.rc, -1);
	CHECK_EQ(j1.err, ETIMEDOUT);
	CHECK_EQ(j1.at_ms, t0 + 2);
	j2.target = j1.target;
	j2.timeout_ms = -1;
	CHECK(ff_co_spawn(do_join, &j2, NULL) != NULL);
	h_one_run_ms(&h, 5);
	CHECK_EQ(done, 1);
	CHECK_EQ(j2.rc, 0);
	CHECK_EQ(j2.at_ms, t0 + 5);

	ff_co_attr_init(&attr);
	attr.detached = 1;
	attr.name = "detached-one";
	j1 = (struct joiner){ .target = ff_co_spawn(ret_later, &done, &attr), .timeout_ms = -1 };
	CHECK(j1.target != NULL);
	CHECK(strcmp(ff_co_name(j1.target), "detached-one") == 0);
	CHECK(ff_co_spawn(do_join, &j1, NULL) != NULL);
	h_one_pass(&h);
	CHECK_EQ(j1.rc, -1);
	CHECK_EQ(j1.err, EINVAL);
	h_one_run_ms(&h, 6);
	CHECK_EQ(ff_co_count(), 0);
	h_one_destroy(&h);
}

static void yielder(void *arg)
{
	for (int i = 0; i < 5; i++)
		ff_co_yield();
	(*(unsigned *)arg)++;
}

TEST(co_batch_bounds_each_pass)
{
	struct h_one h;
	unsigned done = 0;
	uint64_t before, passes = 0;

	h_one_create(&h, NULL, knobs_with(KNOB_CO_BATCH, 10));
	for (int i = 0; i < 100; i++)
		CHECK(ff_co_spawn(yielder, &done, NULL) != NULL);
	while (done < 100 && passes < 1000) {
		before = h.s->stats.co.co_switches;
		h_one_pass(&h);
		CHECK(h.s->stats.co.co_switches - before <= 10);
		passes++;
	}
	CHECK_EQ(done, 100);
	CHECK_EQ(passes, 60); /* 600 resumptions, 10 a pass */
	CHECK(h.s->stats.co.co_batch_full > 0);
	h_one_destroy(&h);
}

/* ---- 10,000 request/response exchanges ---- */

#define N_UDP 10000
#define N_TCP 1000
#define SRV_PORT 7000

struct rr {
	int rc[N_UDP], err[N_UDP];
	uint64_t start_ms[N_UDP], end_ms[N_UDP];
	unsigned idx;
	unsigned answered, ignored;
};
static struct rr rr;

static int udp_timeout(unsigned i)
{
	return 50 + (int)(i % 97);
}

/* Stack b: answers request i unless i % 3 == 0. */
static void udp_server(void *arg)
{
	struct sockaddr_in a, from;
	int fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	uint32_t v;
	int big_buf = 1800 * 1024; /* under sb_max_adj (maxsockbuf * 2048 / 2304) */

	(void)arg;
	CHECK(ff_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big_buf, sizeof(big_buf)) == 0);
	CHECK(ff_bind(fd, h_sin4(&a, NULL, SRV_PORT), sizeof(a)) == 0);
	for (;;) {
		socklen_t fl = sizeof(from);
		ssize_t n =
		    ff_co_recvfrom(fd, &v, sizeof(v), 0, (struct linux_sockaddr *)&from, &fl, -1);

		if (n < 0)
			break; /* cancelled at teardown */
		if (v % 3 == 0) {
			rr.ignored++;
			continue;
		}
		v = ~v;
		CHECK_EQ(ff_co_sendto(fd, &v, sizeof(v), 0, (struct linux_sockaddr *)&from, fl, -1),
		         4);
		rr.answered++;
	}
	ff_close(fd);
}

static void udp_client(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	struct sockaddr_in b;
	uint32_t req = i, resp = 0;
	ssize_t n;

	ff_co_sleep_ms(i % 400); /* 25 new exchanges a millisecond */
	rr.start_ms[i] = ff_co_now_ms();
	n = ff_co_udp_sendrcv(h_sin4(&b, B_IP, SRV_PORT), sizeof(b), &req, sizeof(req), &resp,
	                      sizeof(resp), udp_timeout(i));
	rr.rc[i] = (int)n;
	rr.err[i] = n < 0 ? errno : 0;
	rr.end_ms[i] = ff_co_now_ms();
	if (n == 4 && resp != ~req)
		rr.rc[i] = -2;
}

TEST(co_10000_udp_exchanges_exact_deadlines)
{
	struct h_pair h;
	unsigned fds_a, bad = 0, timeouts = 0, late = 0;

	h_pair_create(&h, NULL, NULL, NULL);
	memset(&rr, 0, sizeof(rr));
	stack_set_current(h.b);
	CHECK(ff_co_spawn(udp_server, NULL, NULL) != NULL);
	stack_set_current(h.a);
	fds_a = fd_count(h.a);
	for (unsigned i = 0; i < N_UDP; i++)
		CHECK(ff_co_spawn(udp_client, (void *)(uintptr_t)i, NULL) != NULL);
	CHECK_EQ(ff_co_count(), N_UDP);
	for (unsigned ms = 0; ms < 800 && ff_co_count(); ms++)
		h_pair_run_ms(&h, 1);
	stack_set_current(h.a);
	CHECK_EQ(ff_co_count(), 0);
	for (unsigned i = 0; i < N_UDP; i++) {
		if (i % 3 == 0) {
			timeouts++;
			/* On the pass of its exact deadline, not a millisecond later. */
			if (rr.rc[i] != -1 || rr.err[i] != ETIMEDOUT ||
			    rr.end_ms[i] != rr.start_ms[i] + (uint64_t)udp_timeout(i))
				late++;
		} else if (rr.rc[i] != 4) {
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(late, 0);
	CHECK_EQ(h.a->stats.co.co_timeouts, timeouts);
	CHECK_EQ(rr.ignored, timeouts);
	CHECK_EQ(rr.answered, N_UDP - timeouts);
	CHECK_EQ(fd_count(h.a), fds_a);        /* every helper socket closed */
	CHECK_EQ(co_stacks_pooled(h.a), 1024); /* fastack.co.pool_max kept */
	h_pair_destroy(&h);
}

/* TCP: a message is a 4-byte length (network order) and that many bytes. */
static int frame_len(const void *buf, size_t have, void *arg)
{
	uint32_t len;

	(void)arg;
	if (have < 4)
		return 0;
	memcpy(&len, buf, 4);
	len = ntohl(len);
	if (len > 1000)
		return -1;
	return have >= 4 + len ? (int)(4 + len) : 0;
}

static void tcp_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[64];
	size_t have = 0;
	int m = 0;

	while (m == 0) {
		ssize_t n = ff_co_read(fd, buf + have, sizeof(buf) - have, 1000);

		if (n <= 0)
			goto out;
		have += (size_t)n;
		m = frame_len(buf, have, NULL);
	}
	/* "slow" requests are never answered: the client times out, closes,
	 * and this read sees the EOF. */
	if (m > 4 && buf[4] == 's') {
		CHECK_EQ(ff_co_read(fd, buf, sizeof(buf), -1), 0);
		goto out;
	}
	buf[4] = 'R';
	CHECK_EQ(ff_co_write(fd, buf, (size_t)m, -1), m);
	ff_co_read(fd, buf, sizeof(buf), -1); /* the client closes first */
out:
	ff_close(fd);
}

static void tcp_server(void *arg)
{
	struct sockaddr_in a;
	int lfd = ff_socket(AF_INET, SOCK_STREAM, 0), fd;
	struct ff_co_attr attr;

	(void)arg;
	CHECK(ff_bind(lfd, h_sin4(&a, NULL, SRV_PORT), sizeof(a)) == 0);
	CHECK(ff_listen(lfd, 4096) == 0);
	ff_co_attr_init(&attr);
	attr.detached = 1;
	attr.name = "tcp-conn";
	while ((fd = ff_co_accept(lfd, NULL, NULL, -1)) >= 0)
		CHECK(ff_co_spawn(tcp_conn, (void *)(intptr_t)fd, &attr) != NULL);
	ff_close(lfd);
}

static void tcp_client(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	struct sockaddr_in b;
	char req[16], resp[64];
	uint32_t len = htonl(8);
	ssize_t n;

	ff_co_sleep_ms(i % 100);
	memcpy(req, &len, 4);
	snprintf(req + 4, sizeof(req) - 4, "%c%07u", i % 5 == 0 ? 's' : 'q', i);
	rr.start_ms[i] = ff_co_now_ms();
	n = ff_co_tcp_sendrcv(h_sin4(&b, B_IP, SRV_PORT), sizeof(b), req, 12, resp, sizeof(resp),
	                      frame_len, NULL, 300);
	rr.rc[i] = (int)n;
	rr.err[i] = n < 0 ? errno : 0;
	rr.end_ms[i] = ff_co_now_ms();
	if (n == 12 && (resp[4] != 'R' || memcmp(resp + 5, req + 5, 7) != 0))
		rr.rc[i] = -2;
}

TEST(co_1000_tcp_exchanges_framing)
{
	struct h_pair h;
	unsigned bad = 0, late = 0, fds_a;

	h_pair_create(&h, NULL, NULL, NULL);
	memset(&rr, 0, sizeof(rr));
	stack_set_current(h.b);
	CHECK(ff_co_spawn(tcp_server, NULL, NULL) != NULL);
	stack_set_current(h.a);
	fds_a = fd_count(h.a);
	for (unsigned i = 0; i < N_TCP; i++)
		CHECK(ff_co_spawn(tcp_client, (void *)(uintptr_t)i, NULL) != NULL);
	for (unsigned ms = 0; ms < 1000 && ff_co_count(); ms++)
		h_pair_run_ms(&h, 1);
	stack_set_current(h.a);
	CHECK_EQ(ff_co_count(), 0);
	for (unsigned i = 0; i < N_TCP; i++) {
		if (i % 5 == 0) {
			if (rr.rc[i] != -1 || rr.err[i] != ETIMEDOUT ||
			    rr.end_ms[i] != rr.start_ms[i] + 300)
				late++;
		} else if (rr.rc[i] != 12) {
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(late, 0);
	CHECK_EQ(fd_count(h.a), fds_a);
	/* The server side ends too: every connection coroutine saw its EOF. */
	h_pair_run_ms(&h, 50);
	stack_set_current(h.b);
	CHECK_EQ(ff_co_count(), 1); /* the accept loop */
	h_pair_destroy(&h);
}

/* ---- cancellation in each kind of park ---- */

struct park_ctx {
	const char *kind;
	int rc, err;
	bool parked_done;
	ff_co_t *helper;
	ff_co_mutex_t *m;
	ff_co_cond_t *c;
	ff_co_chan_t *ch;
};

static int tcp_to_b(uint16_t port)
{
	struct sockaddr_in b;
	int fd = ff_socket(AF_INET, SOCK_STREAM, 0);

	if (ff_co_connect(fd, h_sin4(&b, B_IP, port), sizeof(b), 1000) < 0) {
		harness_fail(__FILE__, __LINE__, "connect: errno %d", errno);
	}
	return fd;
}

#define HOLD_PORT 7100 /* b accepts and never reads */
#define LISTEN_PORT 7200

static uint8_t big[1 << 20];

static void park_in(void *arg)
{
	struct park_ctx *p = arg;
	const char *k = p->kind;
	struct sockaddr_in a;
	struct iovec iov = { big, sizeof(big) };
	char buf[64];
	int fd = -1, r = 0;

	if (!strcmp(k, "accept")) {
		fd = ff_socket(AF_INET, SOCK_STREAM, 0);
		ff_bind(fd, h_sin4(&a, NULL, LISTEN_PORT), sizeof(a));
		ff_listen(fd, 8);
		r = ff_co_accept(fd, NULL, NULL, -1);
	} else if (!strcmp(k, "connect")) {
		fd = ff_socket(AF_INET, SOCK_STREAM, 0);
		r = ff_co_connect(fd, h_sin4(&a, NOBODY_IP, 80), sizeof(a), -1);
	} else if (!strcmp(k, "read") || !strcmp(k, "readv") || !strcmp(k, "recv") ||
	           !strcmp(k, "recvfrom-tcp") || !strcmp(k, "wait_events")) {
		struct iovec v = { buf, sizeof(buf) };

		fd = tcp_to_b(HOLD_PORT);
		if (!strcmp(k, "read"))
			r = (int)ff_co_read(fd, buf, sizeof(buf), -1);
		else if (!strcmp(k, "readv"))
			r = (int)ff_co_readv(fd, &v, 1, -1);
		else if (!strcmp(k, "recv"))
			r = (int)ff_co_recv(fd, buf, sizeof(buf), 0, -1);
		else if (!strcmp(k, "recvfrom-tcp"))
			r = (int)ff_co_recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL, -1);
		else
			r = ff_co_wait_events(fd, EPOLLIN, -1);
	} else if (!strcmp(k, "write") || !strcmp(k, "writev") || !strcmp(k, "send") ||
	           !strcmp(k, "sendto-tcp")) {
		fd = tcp_to_b(HOLD_PORT);
		/* More than the send buffer and the peer's window: parks. */
		if (!strcmp(k, "write"))
			r = (int)ff_co_write(fd, big, sizeof(big), -1);
		else if (!strcmp(k, "writev"))
			r = (int)ff_co_writev(fd, &iov, 1, -1);
		else if (!strcmp(k, "send"))
			r = (int)ff_co_send(fd, big, sizeof(big), 0, -1);
		else
			r = (int)ff_co_sendto(fd, big, sizeof(big), 0, NULL, 0, -1);
		/* Some of it was taken before the cancel: the count, then
		 * every later call is ECANCELED. */
		if (r > 0)
			r = (int)ff_co_write(fd, big, 1, -1);
	} else if (!strcmp(k, "recvfrom-udp")) {
		fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
		ff_bind(fd, h_sin4(&a, NULL, 7300), sizeof(a));
		r = (int)ff_co_recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL, -1);
	} else if (!strcmp(k, "sleep")) {
		r = ff_co_sleep_ms(1000000);
	} else if (!strcmp(k, "yield")) {
		while ((r = ff_co_yield()) == 0)
			;
	} else if (!strcmp(k, "join")) {
		r = ff_co_join(p->helper, -1);
	} else if (!strcmp(k, "mutex")) {
		r = ff_co_mutex_lock(p->m, -1);
	} else if (!strcmp(k, "cond")) {
		if (ff_co_mutex_lock(p->m, -1) == 0) {
			r = ff_co_cond_wait(p->c, p->m, -1);
			p->err = errno;
			/* The mutex is held again after a cancelled wait. */
			CHECK_EQ(ff_co_mutex_unlock(p->m), 0);
			errno = p->err;
		}
	} else if (!strcmp(k, "chan_send")) {
		int v = 1;

		ff_co_chan_send(p->ch, &v, -1); /* fills it */
		r = ff_co_chan_send(p->ch, &v, -1);
	} else if (!strcmp(k, "chan_recv")) {
		int v;

		r = ff_co_chan_recv(p->ch, &v, -1);
	} else if (!strcmp(k, "tcp_sendrcv")) {
		r = (int)ff_co_tcp_sendrcv(h_sin4(&a, NOBODY_IP, 80), sizeof(a), "x", 1, buf,
		                           sizeof(buf), frame_len, NULL, -1);
	} else if (!strcmp(k, "udp_sendrcv")) {
		r = (int)ff_co_udp_sendrcv(h_sin4(&a, B_IP, 7400), sizeof(a), "x", 1, buf,
		                           sizeof(buf), -1);
	}
	p->rc = r;
	p->err = errno;
	if (fd >= 0)
		ff_close(fd);
	p->parked_done = true;
}

static void hold_mutex(void *arg)
{
	struct park_ctx *p = arg;

	ff_co_mutex_lock(p->m, -1);
	ff_co_sleep_ms(1000000); /* cancelled */
	ff_co_mutex_unlock(p->m);
}

static void sleep_long(void *arg)
{
	(void)arg;
	ff_co_sleep_ms(1000000);
}

static void hold_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char c;

	ff_co_wait_events(fd, EPOLLRDHUP, -1); /* never reads; ends at EOF/reset */
	while (ff_co_read(fd, &c, 1, 0) > 0)
		;
	ff_close(fd);
}

static void hold_server(void *arg)
{
	struct sockaddr_in a;
	int lfd = ff_socket(AF_INET, SOCK_STREAM, 0), fd;
	int small = 4096;

	(void)arg;
	ff_setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ff_bind(lfd, h_sin4(&a, NULL, HOLD_PORT), sizeof(a));
	ff_listen(lfd, 64);
	while ((fd = ff_co_accept(lfd, NULL, NULL, -1)) >= 0)
		ff_co_spawn(hold_conn, (void *)(intptr_t)fd, NULL);
	ff_close(lfd);
}

TEST(co_cancel_in_every_park)
{
	static const char *kinds[] = {
		"accept",      "connect",     "read",        "readv", "recv",       "recvfrom-tcp",
		"wait_events", "write",       "writev",      "send",  "sendto-tcp", "recvfrom-udp",
		"sleep",       "yield",       "join",        "mutex", "cond",       "chan_send",
		"chan_recv",   "tcp_sendrcv", "udp_sendrcv",
	};
	struct h_pair h;
	unsigned fds_a;

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.b);
	CHECK(ff_co_spawn(hold_server, NULL, NULL) != NULL);
	stack_set_current(h.a);
	fds_a = fd_count(h.a);
	for (unsigned k = 0; k < ARRAY_SIZE(kinds); k++) {
		struct park_ctx p = { .kind = kinds[k], .rc = 12345 };
		uint64_t cancels;
		ff_co_t *co;

		stack_set_current(h.a);
		p.m = ff_co_mutex_create();
		p.c = ff_co_cond_create();
		p.ch = ff_co_chan_create(sizeof(int), 1);
		if (!strcmp(p.kind, "join"))
			p.helper = ff_co_spawn(sleep_long, NULL, NULL);
		if (!strcmp(p.kind, "mutex"))
			p.helper = ff_co_spawn(hold_mutex, &p, NULL);
		co = ff_co_spawn(park_in, &p, NULL);
		CHECK(co != NULL);
		h_pair_run_ms(&h, 30);
		stack_set_current(h.a);
		CHECK(!p.parked_done, "%s: returned before the cancel (rc %d errno %d)", p.kind,
		      p.rc, p.err);
		cancels = h.a->stats.co.co_cancels;
		CHECK_EQ(ff_co_cancel(co), 0);
		if (strcmp(p.kind, "yield"))
			CHECK_EQ(h.a->stats.co.co_cancels, cancels + 1);
		h_pair_run_ms(&h, 2);
		stack_set_current(h.a);
		CHECK(p.parked_done, "%s: still parked", p.kind);
		CHECK(p.rc == -1 && p.err == ECANCELED, "%s: rc %d errno %d", p.kind, p.rc, p.err);
		if (p.helper) {
			ff_co_cancel(p.helper);
			h_pair_run_ms(&h, 1);
			stack_set_current(h.a);
			CHECK_EQ(ff_co_detach(p.helper), 0); /* ended: freed now */
		}
		/* Socket and stack released; nothing alive. */
		CHECK(fd_count(h.a) == fds_a, "%s: %u descriptors, expected %u", p.kind,
		      fd_count(h.a), fds_a);
		CHECK(ff_co_count() == 0, "%s: %u coroutines alive", p.kind, ff_co_count());
		CHECK(co_stacks_pooled(h.a) == h.a->stats.co.co_stacks_mapped,
		      "%s: %u stacks pooled of %u", p.kind, co_stacks_pooled(h.a),
		      (unsigned)h.a->stats.co.co_stacks_mapped);
		CHECK_EQ(ff_co_mutex_destroy(p.m), 0);
		CHECK_EQ(ff_co_cond_destroy(p.c), 0);
		CHECK_EQ(ff_co_chan_destroy(p.ch), 0);
	}
	h_pair_run_ms(&h, 20);
	h_pair_destroy(&h);
}

/* ---- the guards ---- */

static void spin_300ms(void *arg)
{
	struct timespec t0, t;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do
		clock_gettime(CLOCK_MONOTONIC, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 300);
}

/* Runs fn with stderr sent to a file; returns what was written. */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	static char out[4096];
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	long n;

	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = (long)fread(out, 1, sizeof(out) - 1, f);
	out[n < 0 ? 0 : n] = 0;
	fclose(f);
	return out;
}

static void one_pass(void *arg)
{
	h_one_pass(arg);
}

TEST(co_watchdog_reports_a_coroutine_that_never_yields)
{
	struct h_one h;
	struct ff_co_attr attr;
	const char *err;

	h_one_create(&h, NULL, knobs_with(KNOB_CO_WATCHDOG_MS, 50));
	ff_co_attr_init(&attr);
	attr.name = "busy-loop";
	CHECK(ff_co_spawn(spin_300ms, NULL, &attr) != NULL);
	CHECK(ff_co_spawn(sleep_long, NULL, NULL) != NULL); /* parked: never reported */
	err = capture_stderr(one_pass, &h);
	CHECK(strstr(err, "coroutine 'busy-loop'") && strstr(err, "without yielding"), "%s", err);
	h_one_pass(&h);
	CHECK_EQ(h.s->stats.co.co_hogs, 1); /* once per run, however long */
	h_one_destroy(&h);
}

static int recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	pad[511] = pad[0];
	return depth > 1000000 ? pad[511] : recurse(depth + 1) + pad[0];
}

static void overflow(void *arg)
{
	(void)arg;
	recurse(0);
}

TEST(co_stack_overflow_hits_guard_and_names_coroutine)
{
	int pipefd[2];
	char out[1024];
	ssize_t n = 0, r;
	int status = 0;
	pid_t pid;

	CHECK(pipe(pipefd) == 0);
	harness_eal_init();
	pid = fork();
	if (pid == 0) {
		struct h_one h;
		struct ff_co_attr attr;

		dup2(pipefd[1], STDERR_FILENO);
		h_one_create(&h, NULL, NULL);
		ff_co_attr_init(&attr);
		attr.name = "deep-recursion";
		attr.stack_size = FF_CO_STACK_MIN;
		ff_co_spawn(overflow, NULL, &attr);
		h_one_pass(&h);
		_exit(0); /* not reached: the guard page stops it */
	}
	close(pipefd[1]);
	while (n < (ssize_t)sizeof(out) - 1 &&
	       (r = read(pipefd[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	close(pipefd[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT, "status %#x", status);
	CHECK(strstr(out, "coroutine 'deep-recursion': stack overflow"), "child said: %s", out);
}

/* ---- bad input ---- */

static void noop(void *arg)
{
	(void)arg;
}

static void reader_until_closed(void *arg)
{
	int *p = arg;
	char c;

	p[1] = (int)ff_co_read(p[0], &c, 1, -1);
	p[2] = errno;
}

static void closer(void *arg)
{
	ff_close(*(int *)arg);
}

static void cancelled_before_start(void *arg)
{
	int *p = arg;

	p[0] = ff_co_sleep_ms(1);
	p[1] = errno;
	p[2] = ff_co_cancelled();
}

static void misuse(void *arg)
{
	int *p = arg;
	ff_co_mutex_t *m = ff_co_mutex_create();
	ff_co_chan_t *ch = ff_co_chan_create(4, 1);
	int v = 0;

	p[0] = ff_co_join(ff_co_self(), -1) == -1 && errno == EINVAL;
	p[1] = ff_co_mutex_lock(m, -1) == 0 && ff_co_mutex_lock(m, -1) == -1 && errno == EDEADLK;
	p[2] = ff_co_mutex_destroy(m) == -1 && errno == EBUSY;
	ff_co_mutex_unlock(m);
	p[3] = ff_co_mutex_unlock(m) == -1 && errno == EPERM;
	ff_co_chan_close(ch);
	p[4] = ff_co_chan_send(ch, &v, -1) == -1 && errno == EPIPE;
	p[5] = ff_co_chan_recv(ch, &v, -1) == 0;
	p[6] = ff_co_mutex_destroy(m) == 0 && ff_co_chan_destroy(ch) == 0;
	p[7] = ff_co_read(9999, &v, 1, -1) == -1 && errno == EBADF;
}

TEST(co_bad_input_errnos)
{
	struct h_one h;
	struct ff_co_attr attr;
	struct sockaddr_in a;
	int v[8] = { 0 }, r3[3] = { 0 };
	ff_co_mutex_t *m;
	ff_co_cond_t *c;
	ff_co_chan_t *ch;
	ff_co_t *j;
	char buf[4];

	/* No stack on this thread. */
	stack_set_current(NULL);
	errno = 0;
	CHECK(ff_co_spawn(noop, NULL, NULL) == NULL && errno == EBADF);
	CHECK(ff_co_sleep_ms(1) == -1 && errno == EBADF);

	h_one_create(&h, NULL, knobs_with(KNOB_CO_MAX, 3));
	/* EINVAL: stack sizes, entry. */
	ff_co_attr_init(&attr);
	CHECK_EQ(attr.stack_size, 65536);
	attr.stack_size = 0;
	CHECK(ff_co_spawn(noop, NULL, &attr) == NULL && errno == EINVAL);
	attr.stack_size = (size_t)FF_CO_STACK_MAX + 1;
	CHECK(ff_co_spawn(noop, NULL, &attr) == NULL && errno == EINVAL);
	attr.stack_size = SIZE_MAX;
	CHECK(ff_co_spawn(noop, NULL, &attr) == NULL && errno == EINVAL);
	CHECK(ff_co_spawn(NULL, NULL, NULL) == NULL && errno == EINVAL);
	CHECK(ff_co_set_stack_size(0) == -1 && errno == EINVAL);
	CHECK(ff_co_set_stack_size(SIZE_MAX) == -1 && errno == EINVAL);
	CHECK_EQ(ff_co_set_stack_size(100000), 0);
	CHECK_EQ(ff_co_get_stack_size(), 102400); /* pages */
	CHECK(ff_co_chan_create(0, 1) == NULL && errno == EINVAL);
	CHECK(ff_co_chan_create(4, 0) == NULL && errno == EINVAL);

	/* EAGAIN past fastack.co.max. */
	for (int i = 0; i < 3; i++)
		CHECK(ff_co_spawn(noop, NULL, NULL) != NULL);
	CHECK(ff_co_spawn(noop, NULL, NULL) == NULL && errno == EAGAIN);
	CHECK_EQ(h.s->stats.co.co_spawn_limit, 1);
	h_one_pass(&h);
	CHECK_EQ(ff_co_count(), 0);
	/* The ended ones are joinable, and free the slots they held. */
	CHECK(ff_co_spawn(noop, NULL, NULL) != NULL);

	/* EPERM: every call that may park, outside a coroutine. */
	j = ff_co_spawn(noop, NULL, NULL);
	m = ff_co_mutex_create();
	c = ff_co_cond_create();
	ch = ff_co_chan_create(4, 1);
#define EPERM_OUTSIDE(call) CHECK((call) == -1 && errno == EPERM, #call)
	EPERM_OUTSIDE(ff_co_accept(3, NULL, NULL, 0));
	EPERM_OUTSIDE(ff_co_connect(3, h_sin4(&a, B_IP, 1), sizeof(a), 0));
	EPERM_OUTSIDE(ff_co_read(3, buf, 1, 0));
	EPERM_OUTSIDE(ff_co_write(3, buf, 1, 0));
	EPERM_OUTSIDE(ff_co_readv(3, NULL, 0, 0));
	EPERM_OUTSIDE(ff_co_writev(3, NULL, 0, 0));
	EPERM_OUTSIDE(ff_co_recv(3, buf, 1, 0, 0));
	EPERM_OUTSIDE(ff_co_send(3, buf, 1, 0, 0));
	EPERM_OUTSIDE(ff_co_recvfrom(3, buf, 1, 0, NULL, NULL, 0));
	EPERM_OUTSIDE(ff_co_sendto(3, buf, 1, 0, NULL, 0, 0));
	EPERM_OUTSIDE(ff_co_wait_events(3, EPOLLIN, 0));
	EPERM_OUTSIDE(
	    ff_co_tcp_sendrcv(h_sin4(&a, B_IP, 1), sizeof(a), "x", 1, buf, 4, frame_len, NULL, 0));
	EPERM_OUTSIDE(ff_co_udp_sendrcv(h_sin4(&a, B_IP, 1), sizeof(a), "x", 1, buf, 4, 0));
	EPERM_OUTSIDE(ff_co_sleep_ms(1));
	EPERM_OUTSIDE(ff_co_yield());
	EPERM_OUTSIDE(ff_co_join(j, 0));
	EPERM_OUTSIDE(ff_co_mutex_lock(m, 0));
	EPERM_OUTSIDE(ff_co_mutex_trylock(m));
	EPERM_OUTSIDE(ff_co_mutex_unlock(m));
	EPERM_OUTSIDE(ff_co_cond_wait(c, m, 0));
	EPERM_OUTSIDE(ff_co_chan_send(ch, buf, 0));
	EPERM_OUTSIDE(ff_co_chan_recv(ch, buf, 0));
	EPERM_OUTSIDE(mt_read(3, buf, 1, 0));
	CHECK_EQ(ff_co_cond_signal(c), 0); /* never parks: allowed */
	CHECK_EQ(ff_co_chan_close(ch), 0);
	ff_co_mutex_destroy(m);
	ff_co_cond_destroy(c);
	ff_co_chan_destroy(ch);
	h_one_pass(&h);

	/* EBADF: the descriptor closed under a parked reader. */
	r3[0] = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(ff_co_spawn(reader_until_closed, r3, NULL) != NULL);
	h_one_run_ms(&h, 2);
	CHECK(ff_co_spawn(closer, &r3[0], NULL) != NULL);
	h_one_run_ms(&h, 1);
	CHECK_EQ(r3[1], -1);
	CHECK_EQ(r3[2], EBADF);
	CHECK_EQ(h.s->stats.co.co_closed_waits, 1);

	/* ECANCELED: cancelled before it ever ran. */
	memset(r3, 0, sizeof(r3));
	{
		ff_co_t *co = ff_co_spawn(cancelled_before_start, r3, NULL);

		CHECK_EQ(ff_co_cancel(co), 0);
		h_one_pass(&h);
		CHECK_EQ(r3[0], -1);
		CHECK_EQ(r3[1], ECANCELED);
		CHECK_EQ(r3[2], 1);
		CHECK(ff_co_cancel(co) == -1 && errno == ESRCH); /* ended */
	}

	CHECK(ff_co_spawn(misuse, v, NULL) != NULL);
	h_one_pass(&h);
	for (int i = 0; i < 8; i++)
		CHECK(v[i] == 1, "misuse check %d", i);
	h_one_destroy(&h);
}

/* ---- coordination ---- */

struct sync_ctx {
	ff_co_mutex_t *m;
	ff_co_cond_t *c;
	ff_co_chan_t *ch;
	char order[16];
	unsigned n;
	int ready, sum, got;
};

static void locker(void *arg)
{
	struct sync_ctx *x = arg;
	const char *me = ff_co_name(ff_co_self());

	CHECK_EQ(ff_co_mutex_lock(x->m, -1), 0);
	x->order[x->n++] = me[0];
	ff_co_sleep_ms(2);
	ff_co_mutex_unlock(x->m);
}

static void cond_waiter(void *arg)
{
	struct sync_ctx *x = arg;

	ff_co_mutex_lock(x->m, -1);
	while (!x->ready)
		CHECK_EQ(ff_co_cond_wait(x->c, x->m, -1), 0);
	x->got++;
	ff_co_mutex_unlock(x->m);
}

static void cond_timeout(void *arg)
{
	struct sync_ctx *x = arg;
	ff_co_cond_t *c = ff_co_cond_create();
	uint64_t t0 = ff_co_now_ms();

	ff_co_mutex_lock(x->m, -1);
	CHECK(ff_co_cond_wait(c, x->m, 5) == -1 && errno == ETIMEDOUT);
	CHECK_EQ(ff_co_now_ms(), t0 + 5);
	CHECK(ff_co_mutex_unlock(x->m) == 0); /* held again */
	ff_co_cond_destroy(c);
}

static void producer(void *arg)
{
	struct sync_ctx *x = arg;

	for (int i = 1; i <= 100; i++)
		CHECK_EQ(ff_co_chan_send(x->ch, &i, -1), 0);
	ff_co_chan_close(x->ch);
}

static void consumer(void *arg)
{
	struct sync_ctx *x = arg;
	int v;

	while (ff_co_chan_recv(x->ch, &v, -1) == 1)
		x->sum += v;
}

TEST(co_mutex_cond_chan)
{
	struct h_one h;
	struct sync_ctx x = { 0 };
	struct ff_co_attr attr;
	const char *names[] = { "1st", "2nd", "3rd", "4th" };

	h_one_create(&h, NULL, NULL);
	x.m = ff_co_mutex_create();
	x.c = ff_co_cond_create();
	x.ch = ff_co_chan_create(sizeof(int), 3);
	ff_co_attr_init(&attr);
	for (int i = 0; i < 4; i++) {
		attr.name = names[i];
		ff_co_spawn(locker, &x, &attr);
	}
	h_one_run_ms(&h, 20);
	CHECK(memcmp(x.order, "1234", 4) == 0, "%.4s", x.order); /* FIFO hand-over */

	for (int i = 0; i < 3; i++)
		ff_co_spawn(cond_waiter, &x, NULL);
	ff_co_spawn(cond_timeout, &x, NULL);
	h_one_run_ms(&h, 3);
	CHECK_EQ(x.got, 0);
	x.ready = 1;
	ff_co_cond_signal(x.c);
	h_one_pass(&h);
	CHECK_EQ(x.got, 1);
	ff_co_cond_broadcast(x.c);
	h_one_pass(&h);
	CHECK_EQ(x.got, 3);
	h_one_run_ms(&h, 5);

	ff_co_spawn(consumer, &x, NULL);
	ff_co_spawn(producer, &x, NULL);
	h_one_run_ms(&h, 5);
	CHECK_EQ(x.sum, 5050);
	CHECK_EQ(ff_co_count(), 0);
	CHECK_EQ(ff_co_mutex_destroy(x.m), 0);
	CHECK_EQ(ff_co_cond_destroy(x.c), 0);
	CHECK_EQ(ff_co_chan_destroy(x.ch), 0);
	h_one_destroy(&h);
}

/* ---- F-Stack's micro-thread names ---- */

struct mt_ctx {
	int fd_a, fd_b;
	unsigned long long t0, woke;
	int got, ev;
};

static void mt_echo(void *arg)
{
	struct mt_ctx *x = arg;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	char buf[16];
	int n;

	x->ev = mt_wait_events(x->fd_b, EPOLLIN, 100);
	n = mt_recvfrom(x->fd_b, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl, 100);
	if (n > 0)
		mt_sendto(x->fd_b, buf, n, 0, (struct sockaddr *)&from, (int)fl, 100);
}

static void mt_client(void *arg)
{
	struct mt_ctx *x = arg;
	struct sockaddr_in b;
	char buf[16];

	x->t0 = mt_time_ms();
	mt_sleep(3);
	x->woke = mt_time_ms();
	mt_sendto(x->fd_a, "ping", 4, 0, (struct sockaddr *)h_sin4(&b, B_IP, 7500), sizeof(b), 100);
	x->got = mt_recvfrom(x->fd_a, buf, sizeof(buf), 0, NULL, NULL, 100);
	/* Nothing more comes: a timeout. */
	CHECK(mt_recv(x->fd_a, buf, sizeof(buf), 0, 7) == -1 && errno == ETIMEDOUT);
}

/* TCP with the mt_* names: b accepts and echoes what it reads, twice. */
static void mt_tcp_server(void *arg)
{
	struct mt_ctx *x = arg;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	char buf[16];
	int lfd = ff_socket(AF_INET, SOCK_STREAM, 0), fd;

	ff_bind(lfd, h_sin4(&a, NULL, 7600), sizeof(a));
	ff_listen(lfd, 4);
	fd = mt_accept(lfd, (struct sockaddr *)&a, &al, 100);
	for (int i = 0; i < 2 && fd >= 0; i++) {
		ssize_t n = mt_read(fd, buf, sizeof(buf), 100);

		if (n > 0 && mt_write(fd, buf, (size_t)n, 100) == n)
			x->ev++;
	}
	ff_close(fd);
	ff_close(lfd);
}

static void mt_tcp_client(void *arg)
{
	struct mt_ctx *x = arg;
	struct sockaddr_in b;
	char buf[16];
	int fd = ff_socket(AF_INET, SOCK_STREAM, 0);

	if (mt_connect(fd, (struct sockaddr *)h_sin4(&b, B_IP, 7600), sizeof(b), 100) == 0 &&
	    mt_send(fd, "abc", 3, 0, 100) == 3 && mt_recv(fd, buf, sizeof(buf), 0, 100) == 3 &&
	    mt_write(fd, "de", 2, 100) == 2 && mt_read(fd, buf, sizeof(buf), 100) == 2)
		x->got = 2;
	ff_close(fd);
}

TEST(co_mt_names_tcp)
{
	struct h_pair h;
	struct mt_ctx x = { 0 };

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.b);
	CHECK(mt_start_thread((void *)mt_tcp_server, &x) != NULL);
	stack_set_current(h.a);
	CHECK(mt_start_thread((void *)mt_tcp_client, &x) != NULL);
	h_pair_run_ms(&h, 50);
	CHECK_EQ(x.got, 2);
	CHECK_EQ(x.ev, 2);
	stack_set_current(h.b);
	CHECK_EQ(ff_co_count(), 0);
	h_pair_run_ms(&h, 10);
	h_pair_destroy(&h);
}

TEST(co_mt_names)
{
	struct h_pair h;
	struct mt_ctx x = { 0 };
	struct sockaddr_in a;

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.b);
	x.fd_b = ff_socket(AF_INET, SOCK_DGRAM, 0);
	ff_bind(x.fd_b, h_sin4(&a, NULL, 7500), sizeof(a));
	CHECK(mt_start_thread((void *)mt_echo, &x) != NULL);
	stack_set_current(h.a);
	x.fd_a = ff_socket(AF_INET, SOCK_DGRAM, 0);
	mt_set_stack_size(0);
	CHECK_EQ(errno, EINVAL);
	mt_set_stack_size(128 * 1024);
	CHECK_EQ(ff_co_get_stack_size(), 128 * 1024);
	CHECK(mt_start_thread((void *)mt_client, &x) != NULL);
	h_pair_run_ms(&h, 20);
	stack_set_current(h.a);
	CHECK_EQ(x.woke, x.t0 + 3);
	CHECK_EQ(x.got, 4);
	CHECK_EQ(ff_co_count(), 0);
	ff_close(x.fd_a);
	stack_set_current(h.b);
	CHECK_EQ(x.ev, EPOLLIN);
	CHECK_EQ(ff_co_count(), 0);
	ff_close(x.fd_b);
	h_pair_destroy(&h);
}

/* A stack destroyed with coroutines parked everywhere: they are cancelled,
 * run to their end (closing their sockets), and nothing leaks. */
TEST(co_stack_destroy_with_parked_coroutines)
{
	struct h_pair h;

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.b);
	ff_co_spawn(hold_server, NULL, NULL);
	ff_co_spawn(udp_server, NULL, NULL);
	stack_set_current(h.a);
	for (int i = 0; i < 50; i++)
		ff_co_spawn(tcp_client, (void *)(uintptr_t)i, NULL);
	ff_co_spawn(sleep_long, NULL, NULL);
	h_pair_run_ms(&h, 3);
	h_pair_destroy(&h); /* its pool checks are the test */
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
