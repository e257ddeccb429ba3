/* test_event.c: the event layer (src/event) through the ff_* API: epoll
 * (level- and edge-triggered, one-shot, MOD/DEL, EPOLLERR/EPOLLHUP, errno
 * cases), kqueue (EVFILT_READ/WRITE, data counts, EV_ADD/DELETE/ENABLE/
 * DISABLE/ONESHOT/CLEAR/DISPATCH/RECEIPT, EV_ERROR entries, EV_EOF,
 * NOTE_LOWAT), poll and select; and that closing a socket or an instance
 * removes its registrations.
 *
 * Readiness comes from real traffic: UDP datagrams sent by stack A reach
 * sockets on stack B over the in-memory link (A = 198.18.0.1, B =
 * 198.18.0.2) on virtual time.  Nothing ever blocks: every wait is called
 * with a timeout and must return at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "ff_event.h"
#include "harness.h"
#include "test_kq.h"
#include "stack/stack.h"
#include "udp/udp.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"

static struct linux_sockaddr *sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

static void on(struct stack *s)
{
	stack_set_current(s);
}

static int udp_bound(uint16_t port)
{
	struct sockaddr_in a;
	int fd = ff_socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0);
	CHECK_EQ(ff_bind(fd, sin4(&a, NULL, port), sizeof(a)), 0);
	return fd;
}

/* The fixture: a pair, a sender on A, and n receivers on B (ports 7000+i). */
struct fix {
	struct h_pair h;
	int tx;
	int rx[8];
};

static void fix_create(struct fix *f, int n)
{
	h_pair_create(&f->h, NULL, NULL, NULL);
	on(f->h.a);
	f->tx = udp_bound(6000);
	on(f->h.b);
	for (int i = 0; i < n; i++)
		f->rx[i] = udp_bound((uint16_t)(7000 + i));
}

/* Sends len bytes from A to B's receiver i and lets them arrive; leaves
 * the current stack at B. */
static void fix_send(struct fix *f, int i, size_t len)
{
	static const char pat[64] = "0123456789abcdefghijklmnopqrstuvwxyz";
	struct sockaddr_in a;

	on(f->h.a);
	CHECK_EQ(ff_sendto(f->tx, pat, len, 0, sin4(&a, B_IP, (uint16_t)(7000 + i)), sizeof(a)),
	         len);
	h_pair_run_ms(&f->h, 3);
	on(f->h.b);
}

static void fix_destroy(struct fix *f)
{
	h_pair_destroy(&f->h);
}

static void drain(int fd)
{
	char b[128];

	while (ff_recv(fd, b, sizeof(b), 0) >= 0)
		;
}

static int ep_add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static int ep_mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return ff_epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

/* One wait that must report exactly one event (events, data). */
static void expect_one_(const char *file, int line, int ep, uint32_t events, uint64_t data)
{
	struct epoll_event ev[4];
	int n = ff_epoll_wait(ep, ev, 4, 0);

	if (n != 1)
		harness_fail(file, line, "epoll_wait = %d, expected 1 event", n);
	else if (ev[0].events != events || ev[0].data.u64 != data)
		harness_fail(file, line, "event 0x%x data %llu, expected 0x%x data %llu",
		             ev[0].events, (unsigned long long)ev[0].data.u64, events,
		             (unsigned long long)data);
}
#define EXPECT_ONE(ep, events, data) expect_one_(__FILE__, __LINE__, ep, events, data)

static void expect_none_(const char *file, int line, int ep)
{
	struct epoll_event ev[4];
	int n = ff_epoll_wait(ep, ev, 4, 0);

	if (n != 0)
		harness_fail(file, line, "epoll_wait = %d (first 0x%x), expected nothing", n,
		             n > 0 ? ev[0].events : 0);
}
#define EXPECT_NONE(ep) expect_none_(__FILE__, __LINE__, ep)

/* ---- epoll ---- */

TEST(epoll_errno_cases)
{
	struct fix f;
	struct epoll_event ev = { .events = EPOLLIN }, out[2];
	int ep, kq, closed;

	fix_create(&f, 1);
	/* F-Stack ignores the size (its examples pass 0): 0 makes an instance,
	 * a negative size is EINVAL (Linux). */
	closed = ff_epoll_create(0);
	CHECK(closed >= 0);
	CHECK_EQ(ff_close(closed), 0);
	CHECK_ERR(ff_epoll_create(-1), EINVAL);
	ep = ff_epoll_create(1);
	CHECK(ep >= 0);
	kq = ff_kqueue();
	closed = ff_epoll_create(1);
	CHECK_EQ(ff_close(closed), 0);

	CHECK_ERR(ff_epoll_ctl(closed, EPOLL_CTL_ADD, f.rx[0], &ev), EBADF);
	CHECK_ERR(ff_epoll_ctl(-1, EPOLL_CTL_ADD, f.rx[0], &ev), EBADF);
	CHECK_ERR(ff_epoll_ctl(f.rx[0], EPOLL_CTL_ADD, f.rx[0], &ev), EINVAL); /* not epoll */
	CHECK_ERR(ff_epoll_ctl(kq, EPOLL_CTL_ADD, f.rx[0], &ev), EINVAL);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL); /* itself */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, 1, &ev), EBADF);  /* a kernel fd number */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, kq, &ev), EPERM); /* not a socket */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, f.rx[0], NULL), EFAULT);
	CHECK_ERR(ff_epoll_ctl(ep, 99, f.rx[0], &ev), EINVAL);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_MOD, f.rx[0], &ev), ENOENT);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_DEL, f.rx[0], NULL), ENOENT);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, f.rx[0], &ev), 0);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, f.rx[0], &ev), EEXIST);
	ev.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_MOD, f.rx[0], &ev), EINVAL);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, f.rx[0], NULL), 0);

	CHECK_ERR(ff_epoll_wait(ep, out, 0, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, out, -1, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, NULL, 2, 0), EFAULT);
	CHECK_ERR(ff_epoll_wait(closed, out, 2, 0), EBADF);
	CHECK_ERR(ff_epoll_wait(f.rx[0], out, 2, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, out, 65537, 0), EINVAL); /* fastack.epoll.max_events */
	/* Timeouts never wait. */
	CHECK_EQ(ff_epoll_wait(ep, out, 2, -1), 0);
	CHECK_EQ(ff_epoll_wait(ep, out, 2, 60000), 0);
	fix_destroy(&f);
}

TEST(epoll_level_triggered_stays_while_ready)
{
	struct fix f;
	int ep;

	fix_create(&f, 2);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, f.rx[0], EPOLLIN, 42), 0);
	EXPECT_NONE(ep); /* writable, but not asked */
	fix_send(&f, 0, 10);
	fix_send(&f, 0, 20);
	EXPECT_ONE(ep, EPOLLIN, 42);
	EXPECT_ONE(ep, EPOLLIN, 42); /* still ready: reported again */
	CHECK_EQ(ff_recv(f.rx[0], (char[64]){ 0 }, 64, 0), 10);
	EXPECT_ONE(ep, EPOLLIN, 42);
	CHECK_EQ(ff_recv(f.rx[0], (char[64]){ 0 }, 64, 0), 20);
	EXPECT_NONE(ep); /* drained: falls off the ready list */
	EXPECT_NONE(ep);
	/* A datagram for another socket wakes nothing here. */
	fix_send(&f, 1, 5);
	EXPECT_NONE(ep);
	/* EPOLLOUT: a UDP socket is always writable. */
	CHECK_EQ(ep_add(ep, f.rx[1], EPOLLOUT, 7), 0);
	EXPECT_ONE(ep, EPOLLOUT, 7);
	EXPECT_ONE(ep, EPOLLOUT, 7);
	CHECK_EQ(ep_mod(ep, f.rx[1], EPOLLIN | EPOLLOUT, 8), 0);
	{
		struct epoll_event ev[2];

		CHECK_EQ(ff_epoll_wait(ep, ev, 2, 0), 1);
		CHECK_EQ(ev[0].events, EPOLLIN | EPOLLOUT);
		CHECK_EQ(ev[0].data.u64, 8);
	}
	fix_destroy(&f);
}

TEST(epoll_edge_triggered_reports_each_new_event_once)
{
	struct fix f;
	int ep;

	fix_create(&f, 1);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, f.rx[0], EPOLLIN | EPOLLET, 1), 0);
	EXPECT_NONE(ep);
	fix_send(&f, 0, 10);
	EXPECT_ONE(ep, EPOLLIN, 1);
	EXPECT_NONE(ep); /* still readable, but nothing new */
	fix_send(&f, 0, 10);
	EXPECT_ONE(ep, EPOLLIN, 1); /* a new datagram is a new edge */
	EXPECT_NONE(ep);
	drain(f.rx[0]);
	EXPECT_NONE(ep);
	/* Registering while already ready reports once. */
	fix_send(&f, 0, 10);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, f.rx[0], NULL), 0);
	CHECK_EQ(ep_add(ep, f.rx[0], EPOLLIN | EPOLLET, 2), 0);
	EXPECT_ONE(ep, EPOLLIN, 2);
	EXPECT_NONE(ep);
	fix_destroy(&f);
}

TEST(epoll_oneshot_until_mod)
{
	struct fix f;
	int ep;

	fix_create(&f, 1);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, f.rx[0], EPOLLIN | EPOLLONESHOT, 1), 0);
	fix_send(&f, 0, 10);
	EXPECT_ONE(ep, EPOLLIN, 1);
	EXPECT_NONE(ep); /* disabled */
	fix_send(&f, 0, 10);
	EXPECT_NONE(ep);                                    /* new data does not re-arm it */
	CHECK_ERR(ep_add(ep, f.rx[0], EPOLLIN, 1), EEXIST); /* still registered */
	CHECK_EQ(ep_mod(ep, f.rx[0], EPOLLIN | EPOLLONESHOT, 2), 0);
	EXPECT_ONE(ep, EPOLLIN, 2); /* re-armed, and the data is there */
	EXPECT_NONE(ep);
	/* MOD to another interest set. */
	CHECK_EQ(ep_mod(ep, f.rx[0], EPOLLOUT, 3), 0);
	EXPECT_ONE(ep, EPOLLOUT, 3);
	CHECK_EQ(ep_mod(ep, f.rx[0], 0, 4), 0); /* nothing asked */
	EXPECT_NONE(ep);
	fix_destroy(&f);
}

TEST(epoll_err_and_hup_are_always_reported)
{
	struct fix f;
	struct sockaddr_in a;
	int ep, c;

	fix_create(&f, 1);
	ep = ff_epoll_create(1);
	c = udp_bound(7100);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	CHECK_EQ(ep_add(ep, c, 0, 5), 0); /* nothing asked */
	EXPECT_NONE(ep);
	udp_ctlinput(f.h.b, ECONNREFUSED, h_ip4(B_IP), 7100, h_ip4(A_IP), 6000);
	EXPECT_ONE(ep, EPOLLERR, 5);
	EXPECT_ONE(ep, EPOLLERR, 5); /* level: until the error is taken */
	CHECK_ERR(ff_recv(c, (char[8]){ 0 }, 8, 0), ECONNREFUSED);
	EXPECT_NONE(ep);
	/* Shut down both ways: EPOLLHUP without asking; RDHUP only if asked. */
	CHECK_EQ(ff_shutdown(c, SHUT_RDWR), 0);
	EXPECT_ONE(ep, EPOLLHUP, 5);
	CHECK_EQ(ep_mod(ep, c, EPOLLIN | EPOLLRDHUP, 6), 0);
	EXPECT_ONE(ep, EPOLLIN | EPOLLRDHUP | EPOLLHUP, 6);
	CHECK_EQ(ff_recv(c, (char[8]){ 0 }, 8, 0), 0); /* EOF */
	CHECK_ERR(ff_send(c, "x", 1, 0), EPIPE);
	fix_destroy(&f);
}

TEST(epoll_maxevents_smaller_than_ready_rotates)
{
	struct fix f;
	struct epoll_event ev[2];
	unsigned seen[5] = { 0 };
	int ep;

	fix_create(&f, 5);
	ep = ff_epoll_create(1);
	for (int i = 0; i < 5; i++) {
		CHECK_EQ(ep_add(ep, f.rx[i], EPOLLIN, (uint64_t)i), 0);
		fix_send(&f, i, 4);
	}
	/* Six waits of two: every socket is reported, none starves. */
	for (int k = 0; k < 6; k++) {
		int n = ff_epoll_wait(ep, ev, 2, 0);

		CHECK_EQ(n, 2);
		for (int j = 0; j < n && j < 2; j++)
			if (ev[j].data.u64 < 5)
				seen[ev[j].data.u64]++;
	}
	for (int i = 0; i < 5; i++)
		CHECK(seen[i] >= 2, "socket %d reported %u times", i, seen[i]);
	fix_destroy(&f);
}

TEST(epoll_close_and_del_remove_registrations)
{
	struct fix f;
	int ep, ep2, fd, again;

	fix_create(&f, 2);
	ep = ff_epoll_create(1);
	ep2 = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, f.rx[0], EPOLLIN, 1), 0);
	CHECK_EQ(ep_add(ep2, f.rx[0], EPOLLIN, 2), 0); /* two instances, one socket */
	fix_send(&f, 0, 3);
	EXPECT_ONE(ep, EPOLLIN, 1);
	EXPECT_ONE(ep2, EPOLLIN, 2);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, f.rx[0], NULL), 0);
	EXPECT_NONE(ep);
	EXPECT_ONE(ep2, EPOLLIN, 2);
	/* Closing the socket removes it from every instance, even ready. */
	fd = f.rx[0];
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &(struct epoll_event){ .events = EPOLLIN }),
	         0);
	CHECK_EQ(ff_close(fd), 0);
	EXPECT_NONE(ep);
	EXPECT_NONE(ep2);
	/* The number comes back for a new socket, which is not registered. */
	again = udp_bound(7000);
	CHECK_EQ(again, fd);
	CHECK_ERR(ep_mod(ep, again, EPOLLIN, 1), ENOENT);
	fix_send(&f, 0, 3);
	EXPECT_NONE(ep);
	EXPECT_NONE(ep2);
	/* Closing an instance with registrations leaves the socket usable,
	 * and its wakeups harmless. */
	CHECK_EQ(ep_add(ep, f.rx[1], EPOLLIN, 9), 0);
	CHECK_EQ(ep_add(ep2, f.rx[1], EPOLLIN, 10), 0);
	CHECK_EQ(ff_close(ep), 0);
	fix_send(&f, 1, 3);
	EXPECT_ONE(ep2, EPOLLIN, 10);
	CHECK_EQ(ff_recv(f.rx[1], (char[8]){ 0 }, 8, 0), 3);
	/* Sockets and instances still open at teardown are closed there. */
	fix_destroy(&f);
}

/* ---- kqueue ---- */

TEST(kqueue_read_write_filters_and_data)
{
	struct fix f;
	struct kevent ev[4];
	int kq, n;

	fix_create(&f, 1);
	kq = ff_kqueue();
	CHECK(kq >= 0);
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_READ, EV_ADD, 0, 0, (void *)0x11), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	fix_send(&f, 0, 10);
	fix_send(&f, 0, 20);
	n = kq_poll(kq, ev, 4);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].ident, f.rx[0]);
	CHECK_EQ(ev[0].filter, EVFILT_READ);
	CHECK_EQ(ev[0].flags, 0);
	CHECK_EQ(ev[0].data, 30); /* every byte queued (FreeBSD's sb_cc) */
	CHECK(ev[0].udata == (void *)0x11);
	/* Level: again while data remains, with the new count. */
	CHECK_EQ(ff_recv(f.rx[0], (char[64]){ 0 }, 64, 0), 10);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 20);
	CHECK_EQ(ff_recv(f.rx[0], (char[64]){ 0 }, 64, 0), 20);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);

	/* EVFILT_WRITE: the send space, the largest datagram. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_WRITE, EV_ADD, 0, 0, (void *)0x22), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_WRITE);
	CHECK_EQ(ev[0].data, 9216);
	CHECK(ev[0].udata == (void *)0x22);
	/* EV_ADD again modifies, never duplicates. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_WRITE, EV_ADD, 0, 0, (void *)0x33), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK(ev[0].udata == (void *)0x33);
	/* Both filters at once. */
	fix_send(&f, 0, 5);
	CHECK_EQ(kq_poll(kq, ev, 4), 2);
	CHECK(ev[0].filter != ev[1].filter);
	/* EV_DELETE */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_WRITE, EV_DELETE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].filter, EVFILT_READ);
	fix_destroy(&f);
}

TEST(kqueue_clear_oneshot_dispatch_enable_disable)
{
	struct fix f;
	struct kevent ev[4];
	int kq;

	fix_create(&f, 4);
	kq = ff_kqueue();
	/* EV_CLEAR: once per new event. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	fix_send(&f, 0, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_CLEAR);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	fix_send(&f, 0, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 8);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);

	/* EV_ONESHOT: reported once, then gone. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[1], EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, NULL), 0);
	fix_send(&f, 1, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].ident, f.rx[1]);
	CHECK_EQ(ev[0].flags, EV_ONESHOT);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_ERR(kev1(kq, (uintptr_t)f.rx[1], EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);

	/* EV_DISPATCH: reported once, then disabled until EV_ENABLE. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[2], EVFILT_READ, EV_ADD | EV_DISPATCH, 0, 0, NULL), 0);
	fix_send(&f, 2, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].flags, EV_DISPATCH);
	fix_send(&f, 2, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[2], EVFILT_READ, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 8);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);

	/* EV_DISABLE / EV_ENABLE on a level-triggered knote; EV_ADD |
	 * EV_DISABLE adds it disabled. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[3], EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, NULL), 0);
	fix_send(&f, 3, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[3], EVFILT_READ, EV_ENABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[3], EVFILT_READ, EV_DISABLE, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_ERR(kev1(kq, (uintptr_t)f.rx[3], EVFILT_WRITE, EV_ENABLE, 0, 0, NULL), ENOENT);
	fix_destroy(&f);
}

TEST(kqueue_ev_error_entries_and_receipt)
{
	struct fix f;
	struct kevent ch[4], ev[8];
	int kq, n, sock;

	fix_create(&f, 1);
	kq = ff_kqueue();
	sock = f.rx[0];
	fix_send(&f, 0, 6); /* something ready, to see that it is not drained */
	EV_SET(&ch[0], (uintptr_t)sock, EVFILT_READ, EV_ADD, 0, 0, (void *)1);
	EV_SET(&ch[1], 999, EVFILT_READ, EV_ADD, 0, 0, (void *)2);                 /* EBADF */
	EV_SET(&ch[2], (uintptr_t)sock, EVFILT_VNODE, EV_ADD, 0, 0, (void *)3);    /* EINVAL */
	EV_SET(&ch[3], (uintptr_t)sock, EVFILT_WRITE, EV_DELETE, 0, 0, (void *)4); /* ENOENT */
	n = ff_kevent(kq, ch, 4, ev, 8, NULL);
	CHECK_EQ(n, 3); /* the errors only: no events in the same call */
	if (n == 3) {
		CHECK(ev[0].flags == EV_ERROR && ev[0].data == EBADF && ev[0].ident == 999 &&
		      ev[0].udata == (void *)2);
		CHECK(ev[1].flags == EV_ERROR && ev[1].data == EINVAL &&
		      ev[1].filter == EVFILT_VNODE);
		CHECK(ev[2].flags == EV_ERROR && ev[2].data == ENOENT &&
		      ev[2].filter == EVFILT_WRITE);
	}
	/* The good change was applied: the next call reports it. */
	CHECK_EQ(kq_poll(kq, ev, 8), 1);
	CHECK_EQ(ev[0].data, 6);
	/* No room for the error: -1 with its errno. */
	CHECK_ERR(ff_kevent(kq, &ch[1], 1, NULL, 0, NULL), EBADF);
	CHECK_ERR(ff_kevent(kq, &ch[1], 1, ev, 0, NULL), EBADF);
	/* EV_RECEIPT: an EV_ERROR entry with data 0 for each change, and the
	 * pending event is not drained. */
	EV_SET(&ch[0], (uintptr_t)sock, EVFILT_WRITE, EV_ADD | EV_RECEIPT, 0, 0, (void *)5);
	EV_SET(&ch[1], (uintptr_t)sock, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, (void *)6);
	n = ff_kevent(kq, ch, 2, ev, 8, NULL);
	CHECK_EQ(n, 2);
	CHECK(ev[0].flags == EV_ERROR && ev[0].data == 0 && ev[0].filter == EVFILT_WRITE);
	CHECK(ev[1].flags == EV_ERROR && ev[1].data == 0 && ev[1].filter == EVFILT_READ);
	CHECK_EQ(kq_poll(kq, ev, 8), 2);
	/* Bad kqueue descriptors and arguments. */
	CHECK_ERR(ff_kevent(999, NULL, 0, ev, 8, NULL), EBADF);
	CHECK_ERR(ff_kevent(sock, NULL, 0, ev, 8, NULL), EBADF);
	CHECK_ERR(ff_kevent(kq, NULL, 0, ev, -1, NULL), EINVAL);
	CHECK_ERR(ff_kevent(kq, NULL, 1, ev, 8, NULL), EFAULT);
	CHECK_ERR(ff_kevent(kq, NULL, 0, NULL, 8, NULL), EFAULT);
	fix_destroy(&f);
}

TEST(kqueue_eof_and_low_water_marks)
{
	struct fix f;
	struct sockaddr_in a;
	struct kevent ev[4];
	int kq, c, v;

	fix_create(&f, 2);
	kq = ff_kqueue();
	/* NOTE_LOWAT: not active below the mark. */
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[0], EVFILT_READ, EV_ADD, NOTE_LOWAT, 25, NULL), 0);
	fix_send(&f, 0, 20);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	fix_send(&f, 0, 10);
	CHECK_EQ(kq_poll(kq, ev, 4), 1);
	CHECK_EQ(ev[0].data, 30);
	/* SO_RCVLOWAT is the default mark. */
	v = 16;
	CHECK_EQ(ff_setsockopt(f.rx[1], SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
	CHECK_EQ(kev1(kq, (uintptr_t)f.rx[1], EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	fix_send(&f, 1, 10);
	CHECK_EQ(kq_poll(kq, ev, 4), 1); /* rx[0] still has its 30 bytes */
	CHECK_EQ(ev[0].ident, f.rx[0]);
	fix_send(&f, 1, 10);
	CHECK_EQ(kq_poll(kq, ev, 4), 2);
	drain(f.rx[0]);
	drain(f.rx[1]);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);

	/* EV_EOF on both filters once shut down. */
	c = udp_bound(7100);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	CHECK_EQ(kev1(kq, (uintptr_t)c, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq, (uintptr_t)c, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, NULL), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 1); /* writable */
	CHECK_EQ(ev[0].flags, EV_CLEAR);
	CHECK_EQ(ff_shutdown(c, SHUT_RDWR), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 2);
	for (int i = 0; i < 2; i++) {
		CHECK(ev[i].flags & EV_EOF, "filter %d without EV_EOF", ev[i].filter);
		if (ev[i].filter == EVFILT_WRITE)
			CHECK_EQ(ev[i].data, 0);
	}
	fix_destroy(&f);
}

TEST(kqueue_close_removes_knotes)
{
	struct fix f;
	struct kevent ev[4];
	int kq, kq2, fd;

	fix_create(&f, 1);
	kq = ff_kqueue();
	kq2 = ff_kqueue();
	fd = f.rx[0];
	CHECK_EQ(kev1(kq, (uintptr_t)fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	CHECK_EQ(kev1(kq2, (uintptr_t)fd, EVFILT_WRITE, EV_ADD, 0, 0, NULL), 0);
	fix_send(&f, 0, 4);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	CHECK_EQ(kq_poll(kq2, ev, 4), 0);
	CHECK_EQ(udp_bound(7000), fd); /* same number, nothing registered */
	CHECK_ERR(kev1(kq, (uintptr_t)fd, EVFILT_READ, EV_DELETE, 0, 0, NULL), ENOENT);
	fix_send(&f, 0, 4);
	CHECK_EQ(kq_poll(kq, ev, 4), 0);
	/* Closing a kqueue with knotes leaves the socket alone. */
	CHECK_EQ(kev1(kq, (uintptr_t)fd, EVFILT_READ, EV_ADD, 0, 0, NULL), 0);
	CHECK_EQ(ff_close(kq), 0);
	fix_send(&f, 0, 4);
	CHECK_EQ(ff_recv(fd, (char[8]){ 0 }, 8, 0), 4);
	fix_destroy(&f);
}

struct each_ctx {
	int count;
	struct kevent got[4];
};

static void each(void **cursor, struct kevent *kev)
{
	struct each_ctx *c = *cursor;

	if (c->count < 4)
		c->got[c->count] = *kev;
	c->count++;
}

TEST(kevent_do_each_calls_back_per_event)
{
	struct fix f;
	struct kevent ch[2];
	struct each_ctx ctx = { 0 };
	int kq, n;

	fix_create(&f, 2);
	kq = ff_kqueue();
	fix_send(&f, 0, 3);
	fix_send(&f, 1, 4);
	EV_SET(&ch[0], (uintptr_t)f.rx[0], EVFILT_READ, EV_ADD, 0, 0, (void *)1);
	EV_SET(&ch[1], (uintptr_t)f.rx[1], EVFILT_READ, EV_ADD, 0, 0, (void *)2);
	n = ff_kevent_do_each(kq, ch, 2, &ctx, 4, NULL, each);
	CHECK_EQ(n, 2);
	CHECK_EQ(ctx.count, 2);
	CHECK(ctx.got[0].udata == (void *)1 && ctx.got[0].data == 3);
	CHECK(ctx.got[1].udata == (void *)2 && ctx.got[1].data == 4);
	fix_destroy(&f);
}

/* ---- poll, select ---- */

TEST(poll_and_select)
{
	struct fix f;
	struct pollfd pfd[5];
	fd_set r, w;
	int ep;

	fix_create(&f, 2);
	ep = ff_epoll_create(1);
	fix_send(&f, 0, 8);
	pfd[0] = (struct pollfd){ .fd = f.rx[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = f.rx[1], .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = 999, .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 77 };
	pfd[4] = (struct pollfd){ .fd = f.rx[1], .events = POLLOUT };
	CHECK_EQ(ff_poll(pfd, 5, -1), 3); /* never waits */
	CHECK_EQ(pfd[0].revents, POLLIN);
	CHECK_EQ(pfd[1].revents, 0);
	CHECK_EQ(pfd[2].revents, POLLNVAL);
	CHECK_EQ(pfd[3].revents, 0);
	CHECK_EQ(pfd[4].revents, POLLOUT);
	CHECK_ERR(ff_poll(NULL, 1, 0), EFAULT);
	CHECK_EQ(ff_poll(NULL, 0, 0), 0);

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(f.rx[0], &r);
	FD_SET(f.rx[1], &r);
	FD_SET(f.rx[1], &w);
	CHECK_EQ(ff_select(FD_SETSIZE, &r, &w, NULL, NULL), 2);
	CHECK(FD_ISSET(f.rx[0], &r));
	CHECK(!FD_ISSET(f.rx[1], &r));
	CHECK(FD_ISSET(f.rx[1], &w));
	FD_ZERO(&r);
	FD_SET(ep, &r); /* not a socket */
	CHECK_ERR(ff_select(ep + 1, &r, NULL, NULL, NULL), EBADF);
	CHECK(FD_ISSET(ep, &r)); /* untouched on error */
	CHECK_ERR(ff_select(-1, NULL, NULL, NULL, NULL), EINVAL);
	CHECK_ERR(ff_select(FD_SETSIZE + 1, NULL, NULL, NULL, NULL), EINVAL);
	CHECK_EQ(ff_select(0, NULL, NULL, NULL, NULL), 0);
	fix_destroy(&f);
}

/* Many registrations, one ready socket: a wait reports exactly that one
 * and examines only the ready list (event.ev_epoll_examined): a wait that
 * scanned the registrations would count 500 per call. */
TEST(epoll_only_woken_sockets_are_reported_among_many)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct epoll_event ev[8];
	int ep, tx, fds[500];

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	ep = ff_epoll_create(1);
	for (int i = 0; i < 500; i++) {
		fds[i] = udp_bound((uint16_t)(20000 + i));
		CHECK_EQ(ep_add(ep, fds[i], EPOLLIN, (uint64_t)i), 0);
	}
	on(h.a);
	tx = udp_bound(6000);
	CHECK_EQ(ff_sendto(tx, "x", 1, 0, sin4(&a, B_IP, 20321), sizeof(a)), 1);
	h_pair_run_ms(&h, 3);
	on(h.b);
	uint64_t examined = h.b->stats.ev.ev_epoll_examined;
	CHECK_EQ(ff_epoll_wait(ep, ev, 8, 0), 1);
	CHECK_EQ(ev[0].data.u64, 321);
	/* The level-triggered item stays on the ready list: one look each. */
	CHECK_EQ(h.b->stats.ev.ev_epoll_examined - examined, 1);
	char c;
	CHECK_EQ(ff_recv(fds[321], &c, 1, 0), 1);
	CHECK_EQ(ff_epoll_wait(ep, ev, 8, 0), 0);
	CHECK_EQ(h.b->stats.ev.ev_epoll_examined - examined, 2);
	CHECK_EQ(ff_epoll_wait(ep, ev, 8, 0), 0);
	CHECK_EQ(h.b->stats.ev.ev_epoll_examined - examined, 2); /* nothing left to look at */
	h_pair_destroy(&h);
}

/* The same for kqueue: 500 read knotes, one datagram, one knote looked at
 * per wait while it stays readable, none once it is drained. */
TEST(kqueue_only_woken_sockets_are_examined_among_many)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct kevent out[8];
	int kq, tx, fds[500];

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	kq = ff_kqueue();
	for (int i = 0; i < 500; i++) {
		fds[i] = udp_bound((uint16_t)(20000 + i));
		CHECK_EQ(
		    kev1(kq, (uintptr_t)fds[i], EVFILT_READ, EV_ADD, 0, 0, (void *)(uintptr_t)i),
		    0);
	}
	on(h.a);
	tx = udp_bound(6000);
	CHECK_EQ(ff_sendto(tx, "x", 1, 0, sin4(&a, B_IP, 20123), sizeof(a)), 1);
	h_pair_run_ms(&h, 3);
	on(h.b);
	uint64_t examined = h.b->stats.ev.ev_kevent_examined;
	CHECK_EQ(kq_poll(kq, out, 8), 1);
	CHECK_EQ((uintptr_t)out[0].udata, 123);
	CHECK_EQ(h.b->stats.ev.ev_kevent_examined - examined, 1);
	char c;
	CHECK_EQ(ff_recv(fds[123], &c, 1, 0), 1);
	CHECK_EQ(kq_poll(kq, out, 8), 0);
	CHECK_EQ(h.b->stats.ev.ev_kevent_examined - examined, 2);
	CHECK_EQ(kq_poll(kq, out, 8), 0);
	CHECK_EQ(h.b->stats.ev.ev_kevent_examined - examined, 2);
	h_pair_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
