/* test_sock_event.c: the event layer (src/event) over UDP sockets, through
 * the ff_* API: epoll (level, edge, one-shot, MOD/DEL, errors, close,
 * fairness), kqueue (READ/WRITE data, EV_* flags, EV_ERROR entries,
 * ff_kevent_do_each, close), ff_poll and ff_select.
 *
 * One stack ("us", 198.18.0.1) on a capture port; readiness comes from UDP
 * datagrams injected as frames from the peer 198.18.0.2:5000, so each test
 * decides exactly when a socket becomes readable.  Nothing blocks: waits
 * are called with timeouts and must return at once.  Every test ends with
 * h_one_destroy's pool check.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rte_ether.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "ff_event.h"
#include "harness.h"
#include "eth/arp.h"
#include "stack/stack.h"
#include "udp/udp.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"

static const struct rte_ether_addr US_MAC = { { 0x02, 0, 0, 0, 0, 0x01 } };
static const struct rte_ether_addr PEER_MAC = { { 0x02, 0, 0, 0, 0, 0x02 } };

/* ---- helpers ---- */

static struct linux_sockaddr *sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

static void setup(struct h_one *h)
{
	h_one_create(h, NULL, NULL);
	CHECK_EQ(arp_add_static(h->s, 0, h_ip4(B_IP), &PEER_MAC), 0);
}

static int udp_sock_(const char *file, int line, uint16_t port)
{
	struct sockaddr_in a;
	int fd = ff_socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || (port && ff_bind(fd, sin4(&a, NULL, port), sizeof(a)) != 0))
		harness_fail(file, line, "UDP socket on port %u: errno %d", port, errno);
	return fd;
}
#define UDP_SOCK(port) udp_sock_(__FILE__, __LINE__, port)

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A datagram of n bytes from the peer's port 5000 to our dport arrives
 * (checksum 0: none). */
static void dgram_in(struct h_one *h, uint16_t dport, size_t n)
{
	uint8_t b[1514];
	uint8_t *ip = b + 14, *u = b + 34;
	uint32_t s = h_ip4(B_IP), d = h_ip4(A_IP), sum = 0;
	struct rte_mbuf *m;

	memcpy(b, US_MAC.addr_bytes, 6);
	memcpy(b + 6, PEER_MAC.addr_bytes, 6);
	put16(b + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + n));
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
	put16(u, 5000);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + n));
	put16(u + 6, 0);
	memset(u + 8, 'd', n);
	m = harness_frame(h->pool, b, 34 + 8 + n);
	if (!m)
		abort();
	cap_port_inject(h->cap, m);
	h_one_pass(h);
}

/* Reads one datagram (its length, or -1). */
static ssize_t drain1(int fd)
{
	char buf[2048];

	return ff_recv(fd, buf, sizeof(buf), 0);
}

static int ep_add(int ep, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.u64 = 0x1000u + (unsigned)fd };

	return ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* One epoll_wait: exactly n events; the first one's fd (data.u64 - 0x1000)
 * and events are returned through *fd / *events. */
static void expect_wait_(const char *file, int line, int ep, int maxevents, int n, int *fd,
                         uint32_t *events)
{
	struct epoll_event ev[16];
	int r;

	memset(ev, 0, sizeof(ev));
	r = ff_epoll_wait(ep, ev, maxevents, 100 /* never waited */);
	if (r != n) {
		harness_fail(file, line, "ff_epoll_wait = %d (errno %d), expected %d", r, errno, n);
		return;
	}
	if (n > 0 && fd)
		*fd = (int)(ev[0].data.u64 - 0x1000u);
	if (n > 0 && events)
		*events = ev[0].events;
}
#define EXPECT_WAIT(ep, maxev, n, fd, events) \
	expect_wait_(__FILE__, __LINE__, ep, maxev, n, fd, events)

/* ================= epoll ================= */

TEST(epoll_level_triggered_until_drained)
{
	struct h_one h;
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, EPOLLIN), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	dgram_in(&h, 7000, 10);
	dgram_in(&h, 7000, 20);
	for (int i = 0; i < 3; i++) {
		EXPECT_WAIT(ep, 8, 1, &fd, &ev);
		CHECK_EQ(fd, s);
		CHECK_EQ(ev, EPOLLIN);
	}
	CHECK_EQ(drain1(s), 10);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev); /* one still queued */
	CHECK_EQ(drain1(s), 20);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* An empty datagram makes it readable too. */
	dgram_in(&h, 7000, 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(drain1(s), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	h_one_destroy(&h);
}

TEST(epoll_edge_triggered_once_per_datagram)
{
	struct h_one h;
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, EPOLLIN | EPOLLET), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	dgram_in(&h, 7000, 10);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, s);
	CHECK_EQ(ev, EPOLLIN);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL); /* unread, but no new edge */
	dgram_in(&h, 7000, 10);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* Two arrivals between waits: one report. */
	dgram_in(&h, 7000, 10);
	dgram_in(&h, 7000, 10);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* Reading does not make an edge. */
	CHECK_EQ(drain1(s), 10);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* Data already there at ADD is reported once. */
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL), 0);
	CHECK_EQ(ep_add(ep, s, EPOLLIN | EPOLLET), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	h_one_destroy(&h);
}

TEST(epoll_oneshot_disabled_until_mod)
{
	struct h_one h;
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT };
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	e.data.u64 = 0x1000u + (unsigned)s;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, s, &e), 0);
	dgram_in(&h, 7000, 10);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, s);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	dgram_in(&h, 7000, 10); /* disabled: not reported */
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* Still registered: ADD is EEXIST. */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, s, &e), EEXIST);
	/* MOD re-arms; what is queued is reported once more. */
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, s);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* MOD without ONESHOT: level-triggered from now on. */
	e.events = EPOLLIN;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	h_one_destroy(&h);
}

TEST(epoll_mod_changes_interest_and_data)
{
	struct h_one h;
	struct epoll_event e;
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, EPOLLIN), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* A UDP socket can always send: EPOLLOUT once asked for. */
	e = (struct epoll_event){ .events = EPOLLIN | EPOLLOUT, .data.u64 = 0x1000u + 77 };
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, 77); /* the new data */
	CHECK_EQ(ev, EPOLLOUT);
	dgram_in(&h, 7000, 5);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLIN | EPOLLOUT);
	/* Back to EPOLLOUT only: the queued datagram is not reported. */
	e.events = EPOLLOUT;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLOUT);
	/* Interest in neither: nothing. */
	e.events = EPOLLPRI;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	h_one_destroy(&h);
}

TEST(epoll_del_stops_reports)
{
	struct h_one h;
	int s, t, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, EPOLLIN), 0);
	CHECK_EQ(ep_add(ep, t, EPOLLIN), 0);
	dgram_in(&h, 7000, 5);
	dgram_in(&h, 7001, 5);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, t);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_DEL, s, NULL), ENOENT);
	dgram_in(&h, 7000, 5);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, t);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_DEL, t, NULL), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* And back in. */
	CHECK_EQ(ep_add(ep, s, EPOLLIN), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, s);
	h_one_destroy(&h);
}

TEST(epoll_ctl_and_wait_errors)
{
	struct h_one h;
	struct epoll_event e = { .events = EPOLLIN }, evs[4];
	int s, ep, ep2, kq, closed;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	ep2 = ff_epoll_create(1);
	kq = ff_kqueue();
	closed = UDP_SOCK(0);
	CHECK_EQ(ff_close(closed), 0);
	/* F-Stack ignores the size (its examples pass 0): 0 makes an instance,
	 * a negative size is EINVAL (Linux). */
	closed = ff_epoll_create(0);
	CHECK(closed >= 0);
	CHECK_EQ(ff_close(closed), 0);
	CHECK_ERR(ff_epoll_create(-1), EINVAL);
	/* EEXIST / ENOENT. */
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, s, &e), 0);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, s, &e), EEXIST);
	CHECK_ERR(ff_epoll_ctl(ep2, EPOLL_CTL_MOD, s, &e), ENOENT);
	CHECK_ERR(ff_epoll_ctl(ep2, EPOLL_CTL_DEL, s, &e), ENOENT);
	/* EBADF: the instance or the target is no descriptor. */
	CHECK_ERR(ff_epoll_ctl(99, EPOLL_CTL_ADD, s, &e), EBADF);
	CHECK_ERR(ff_epoll_ctl(-1, EPOLL_CTL_ADD, s, &e), EBADF);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, 99, &e), EBADF);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, closed, &e), EBADF);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_DEL, -5, &e), EBADF);
	/* EINVAL: epfd == fd, an epfd that is no epoll, a bad op. */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, ep, &e), EINVAL);
	CHECK_ERR(ff_epoll_ctl(s, EPOLL_CTL_ADD, s, &e), EINVAL);
	CHECK_ERR(ff_epoll_ctl(kq, EPOLL_CTL_ADD, s, &e), EINVAL);
	CHECK_ERR(ff_epoll_ctl(ep, 42, s, &e), EINVAL);
	/* EPERM: an epoll or kqueue descriptor as the target (no nesting). */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &e), EPERM);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, kq, &e), EPERM);
	/* EFAULT: no event for ADD/MOD. */
	CHECK_ERR(ff_epoll_ctl(ep2, EPOLL_CTL_ADD, s, NULL), EFAULT);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, NULL), EFAULT);
	/* EPOLLEXCLUSIVE cannot be modified (Linux). */
	e.events = EPOLLIN | EPOLLEXCLUSIVE;
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s, &e), EINVAL);
	/* ff_epoll_wait. */
	CHECK_ERR(ff_epoll_wait(ep, evs, 0, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, evs, -1, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, NULL, 4, 0), EFAULT);
	CHECK_ERR(ff_epoll_wait(99, evs, 4, 0), EBADF);
	CHECK_ERR(ff_epoll_wait(s, evs, 4, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(kq, evs, 4, 0), EINVAL);
	CHECK_ERR(ff_epoll_wait(ep, evs, (int)knob_table[KNOB_EPOLL_MAX_EVENTS].def + 1, 0),
	          EINVAL);
	/* A timeout of -1 does not block. */
	CHECK_EQ(ff_epoll_wait(ep, evs, 4, -1), 0);
	h_one_destroy(&h);
}

/* Closing a socket drops its registrations (as the last close of a file
 * does in Linux): no stale report, no crash, and a new socket that gets
 * the same number is not registered. */
TEST(epoll_close_removes_registration)
{
	struct h_one h;
	int s, t, u, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, EPOLLIN), 0);
	CHECK_EQ(ep_add(ep, t, EPOLLIN | EPOLLET), 0);
	dgram_in(&h, 7000, 5); /* s is on the ready list when it closes */
	dgram_in(&h, 7001, 5);
	CHECK_EQ(ff_close(s), 0);
	CHECK_EQ(ff_close(t), 0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	u = UDP_SOCK(7000);
	CHECK_EQ(u, s);
	dgram_in(&h, 7000, 5);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_DEL, u, NULL), ENOENT);
	CHECK_EQ(ep_add(ep, u, EPOLLIN), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(fd, u);
	/* Closing the instance leaves the socket working and closable. */
	CHECK_EQ(ff_close(ep), 0);
	dgram_in(&h, 7000, 5);
	CHECK_EQ(drain1(u), 5);
	CHECK_EQ(drain1(u), 5);
	/* Two instances on one socket; one closes, the other still reports. */
	ep = ff_epoll_create(1);
	{
		int ep2 = ff_epoll_create(1);

		CHECK_EQ(ep_add(ep, u, EPOLLIN), 0);
		CHECK_EQ(ep_add(ep2, u, EPOLLIN), 0);
		CHECK_EQ(ff_close(ep), 0);
		dgram_in(&h, 7000, 5);
		EXPECT_WAIT(ep2, 8, 1, &fd, &ev);
		CHECK_EQ(fd, u);
	}
	h_one_destroy(&h); /* closes u and ep2 with a registration between them */
}

TEST(epoll_pollout_err_hup_on_udp)
{
	struct h_one h;
	struct sockaddr_in a;
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	/* EPOLLOUT: level-triggered, always while sending is possible. */
	CHECK_EQ(ep_add(ep, s, EPOLLOUT), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLOUT);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	/* Edge-triggered EPOLLOUT: once. */
	{
		int t = UDP_SOCK(0), ep2 = ff_epoll_create(1);

		CHECK_EQ(ep_add(ep2, t, EPOLLOUT | EPOLLET), 0);
		EXPECT_WAIT(ep2, 8, 1, &fd, &ev);
		CHECK_EQ(fd, t);
		EXPECT_WAIT(ep2, 8, 0, NULL, NULL);
	}
	/* A pending error is reported as EPOLLERR even when not asked for. */
	CHECK_EQ(ff_connect(s, sin4(&a, B_IP, 5000), sizeof(a)), 0);
	CHECK_EQ(ff_epoll_ctl(
	             ep, EPOLL_CTL_MOD, s,
	             &(struct epoll_event){ .events = EPOLLIN, .data.u64 = 0x1000u + (unsigned)s }),
	         0);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 7000, h_ip4(B_IP), 5000);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLERR);
	CHECK_ERR(drain1(s), ECONNREFUSED);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	/* Shut down both ways: EPOLLIN|EPOLLRDHUP (reads give 0) and EPOLLHUP,
	 * no EPOLLOUT. */
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, s,
	                      &(struct epoll_event){ .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP,
	                                             .data.u64 = 0x1000u + (unsigned)s }),
	         0);
	CHECK_EQ(ff_shutdown(s, SHUT_RDWR), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLIN | EPOLLRDHUP | EPOLLHUP);
	CHECK_EQ(drain1(s), 0);
	h_one_destroy(&h);
}

/* maxevents bounds each wait; level-triggered sockets that stay ready take
 * turns, so none starves. */
TEST(epoll_maxevents_and_round_robin)
{
	struct h_one h;
	struct epoll_event ev[8];
	int s[3], ep, fd = -1, seen = 0;
	uint32_t e = 0;

	setup(&h);
	ep = ff_epoll_create(1);
	for (int i = 0; i < 3; i++) {
		s[i] = UDP_SOCK((uint16_t)(7000 + i));
		CHECK_EQ(ep_add(ep, s[i], EPOLLIN), 0);
		dgram_in(&h, (uint16_t)(7000 + i), 5);
	}
	for (int round = 0; round < 2; round++) {
		seen = 0;
		for (int i = 0; i < 3; i++) {
			EXPECT_WAIT(ep, 1, 1, &fd, &e);
			for (int k = 0; k < 3; k++)
				if (fd == s[k]) {
					CHECK(!(seen & (1 << k)), "socket %d twice in a round", fd);
					seen |= 1 << k;
				}
		}
		CHECK_EQ(seen, 7);
	}
	/* maxevents 2: two, then the one left out comes first. */
	CHECK_EQ(ff_epoll_wait(ep, ev, 2, 0), 2);
	{
		int a = (int)(ev[0].data.u64 - 0x1000u), b = (int)(ev[1].data.u64 - 0x1000u);

		CHECK(a != b);
		EXPECT_WAIT(ep, 1, 1, &fd, &e);
		CHECK(fd != a && fd != b, "fd %d reported again before the third", fd);
	}
	CHECK_EQ(ff_epoll_wait(ep, ev, 8, 0), 3);
	/* A socket drained in the middle leaves the others their turns. */
	CHECK_EQ(drain1(s[1]), 5);
	CHECK_EQ(ff_epoll_wait(ep, ev, 8, 0), 2);
	for (int i = 0; i < 4; i++) {
		EXPECT_WAIT(ep, 1, 1, &fd, &e);
		CHECK(fd == s[0] || fd == s[2]);
	}
	h_one_destroy(&h);
}

/* EPOLLERR and EPOLLHUP come whatever the interest, even none. */
TEST(epoll_no_interest_still_gets_err_and_hup)
{
	struct h_one h;
	struct sockaddr_in a;
	int s, ep, fd = -1;
	uint32_t ev = 0;

	setup(&h);
	s = UDP_SOCK(7000);
	ep = ff_epoll_create(1);
	CHECK_EQ(ep_add(ep, s, 0), 0);
	dgram_in(&h, 7000, 5);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	CHECK_EQ(ff_connect(s, sin4(&a, B_IP, 5000), sizeof(a)), 0);
	udp_ctlinput(h.s, EHOSTUNREACH, h_ip4(A_IP), 7000, h_ip4(B_IP), 5000);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLERR);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev); /* level: until the error is taken */
	CHECK_ERR(drain1(s), EHOSTUNREACH);
	EXPECT_WAIT(ep, 8, 0, NULL, NULL);
	CHECK_EQ(ff_shutdown(s, SHUT_RDWR), 0);
	EXPECT_WAIT(ep, 8, 1, &fd, &ev);
	CHECK_EQ(ev, EPOLLHUP);
	h_one_destroy(&h);
}

/* ================= kqueue ================= */

static void kev(struct kevent *k, int fd, short filter, unsigned short flags, unsigned fflags,
                int64_t data, uintptr_t udata)
{
	EV_SET(k, (uintptr_t)fd, filter, flags, fflags, data, (void *)udata);
}

/* ff_kevent with no changes: exactly n events; the first is copied out. */
static void expect_kev_(const char *file, int line, int kq, int nevents, int n,
                        struct kevent *first)
{
	struct kevent out[16];
	struct timespec ts = { 1, 0 }; /* never waited */
	int r;

	memset(out, 0, sizeof(out));
	r = ff_kevent(kq, NULL, 0, out, nevents, &ts);
	if (r != n) {
		harness_fail(file, line, "ff_kevent = %d (errno %d), expected %d", r, errno, n);
		return;
	}
	if (n > 0 && first)
		*first = out[0];
}
#define EXPECT_KEV(kq, nev, n, first) expect_kev_(__FILE__, __LINE__, kq, nev, n, first)

TEST(kqueue_read_data_is_bytes_queued)
{
	struct h_one h;
	struct kevent ch, e;
	int s, kq, n;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	kev(&ch, s, EVFILT_READ, EV_ADD, 0, 0, 0xabc);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 10);
	dgram_in(&h, 7000, 20);
	dgram_in(&h, 7000, 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.ident, (uintptr_t)s);
	CHECK_EQ(e.filter, EVFILT_READ);
	CHECK_EQ(e.data, 30); /* all bytes queued (FreeBSD) */
	CHECK_EQ((uintptr_t)e.udata, 0xabc);
	CHECK_EQ(e.flags & (EV_EOF | EV_ERROR), 0);
	/* while FIONREAD gives the next datagram (Linux). */
	CHECK_EQ(ff_ioctl(s, FIONREAD, &n), 0);
	CHECK_EQ(n, 10);
	/* Level-triggered: again, with what is left. */
	CHECK_EQ(drain1(s), 10);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 20);
	CHECK_EQ(drain1(s), 20);
	EXPECT_KEV(kq, 8, 1, &e); /* the empty datagram */
	CHECK_EQ(e.data, 0);
	CHECK_EQ(drain1(s), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	/* Changes and events in one call. */
	dgram_in(&h, 7000, 7);
	{
		struct kevent out[4];

		kev(&ch, s, EVFILT_WRITE, EV_ADD, 0, 0, 0);
		CHECK_EQ(ff_kevent(kq, &ch, 1, out, 4, NULL), 2);
	}
	h_one_destroy(&h);
}

TEST(kqueue_write_filter_and_lowat)
{
	struct h_one h;
	struct kevent ch, e;
	int s, kq, v = 4000;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	kev(&ch, s, EVFILT_WRITE, EV_ADD, 0, 0, 1);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.filter, EVFILT_WRITE);
	CHECK_EQ(e.data, 9216); /* the largest datagram: SO_SNDBUF */
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 4000);
	kev(&ch, s, EVFILT_WRITE, EV_DELETE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	/* NOTE_LOWAT: READ fires only with at least data bytes queued. */
	kev(&ch, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 25, 2);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 20);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 30);
	h_one_destroy(&h);
}

/* Without NOTE_LOWAT, READ honours SO_RCVLOWAT (FreeBSD's sb_lowat). */
TEST(kqueue_read_honours_so_rcvlowat)
{
	struct h_one h;
	struct kevent ch, e;
	int s, kq, v = 15;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	CHECK_EQ(ff_setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
	kev(&ch, s, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 5);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 15);
	/* NOTE_LOWAT overrides it. */
	kev(&ch, s, EVFILT_READ, EV_ADD, NOTE_LOWAT, 16, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	h_one_destroy(&h);
}

/* Level-triggered knotes that stay active take turns. */
TEST(kqueue_round_robin)
{
	struct h_one h;
	struct kevent ch, e;
	int s[3], kq;

	setup(&h);
	kq = ff_kqueue();
	for (int i = 0; i < 3; i++) {
		s[i] = UDP_SOCK((uint16_t)(7000 + i));
		kev(&ch, s[i], EVFILT_READ, EV_ADD, 0, 0, 0);
		CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
		dgram_in(&h, (uint16_t)(7000 + i), 5);
	}
	for (int round = 0; round < 2; round++) {
		int seen = 0;

		for (int i = 0; i < 3; i++) {
			EXPECT_KEV(kq, 1, 1, &e);
			for (int k = 0; k < 3; k++)
				if (e.ident == (uintptr_t)s[k])
					seen |= 1 << k;
		}
		CHECK_EQ(seen, 7);
	}
	h_one_destroy(&h);
}

TEST(kqueue_add_delete_enable_disable)
{
	struct h_one h;
	struct kevent ch, e, out[2];
	int s, kq;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	/* Added disabled: nothing until enabled. */
	kev(&ch, s, EVFILT_READ, EV_ADD | EV_DISABLE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	kev(&ch, s, EVFILT_READ, EV_ENABLE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 10);
	kev(&ch, s, EVFILT_READ, EV_DISABLE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	kev(&ch, s, EVFILT_READ, EV_ENABLE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 20);
	/* EV_ADD on an existing knote updates it (udata). */
	kev(&ch, s, EVFILT_READ, EV_ADD, 0, 0, 0x55);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ((uintptr_t)e.udata, 0x55);
	/* Delete: nothing more; deleting again is ENOENT (an EV_ERROR entry). */
	kev(&ch, s, EVFILT_READ, EV_DELETE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	CHECK_EQ(ff_kevent(kq, &ch, 1, out, 2, NULL), 1);
	CHECK_EQ(out[0].flags, EV_ERROR);
	CHECK_EQ(out[0].data, ENOENT);
	CHECK_EQ(out[0].ident, (uintptr_t)s);
	/* Enabling or disabling a knote that does not exist: ENOENT. */
	kev(&ch, s, EVFILT_READ, EV_ENABLE, 0, 0, 0);
	CHECK_ERR(ff_kevent(kq, &ch, 1, NULL, 0, NULL), ENOENT);
	h_one_destroy(&h);
}

TEST(kqueue_oneshot_clear_dispatch)
{
	struct h_one h;
	struct kevent ch, e;
	int s, kq;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	/* EV_ONESHOT: one report, then the knote is gone. */
	kev(&ch, s, EVFILT_READ, EV_ADD | EV_ONESHOT, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK(e.flags & EV_ONESHOT);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	kev(&ch, s, EVFILT_READ, EV_DELETE, 0, 0, 0);
	CHECK_ERR(ff_kevent(kq, &ch, 1, NULL, 0, NULL), ENOENT);

	/* EV_CLEAR: once per new datagram; data is what is queued then. */
	kev(&ch, s, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e); /* what was there at EV_ADD */
	CHECK_EQ(e.data, 20);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 5);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 25);
	CHECK(e.flags & EV_CLEAR);
	EXPECT_KEV(kq, 8, 0, NULL);
	CHECK_EQ(drain1(s), 10);
	EXPECT_KEV(kq, 8, 0, NULL);
	CHECK_EQ(drain1(s), 10);
	CHECK_EQ(drain1(s), 5);
	kev(&ch, s, EVFILT_READ, EV_DELETE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);

	/* EV_DISPATCH: one report, then disabled until EV_ENABLE. */
	kev(&ch, s, EVFILT_READ, EV_ADD | EV_DISPATCH, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	dgram_in(&h, 7000, 3);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 3);
	dgram_in(&h, 7000, 4);
	EXPECT_KEV(kq, 8, 0, NULL);
	kev(&ch, s, EVFILT_READ, EV_ENABLE, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, &ch, 1, NULL, 0, NULL), 0);
	EXPECT_KEV(kq, 8, 1, &e);
	CHECK_EQ(e.data, 7);
	EXPECT_KEV(kq, 8, 0, NULL);
	h_one_destroy(&h);
}

TEST(kqueue_receipt_and_error_entries)
{
	struct h_one h;
	struct kevent ch[5], out[8];
	int s, t, kq;

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	kq = ff_kqueue();
	dgram_in(&h, 7000, 10);
	/* EV_RECEIPT: an EV_ERROR entry with data 0 per change; no events
	 * collected in that call, though s is readable. */
	kev(&ch[0], s, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, 1);
	kev(&ch[1], t, EVFILT_READ, EV_ADD | EV_RECEIPT, 0, 0, 2);
	memset(out, 0, sizeof(out));
	CHECK_EQ(ff_kevent(kq, ch, 2, out, 8, NULL), 2);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(out[i].flags, EV_ERROR);
		CHECK_EQ(out[i].data, 0);
		CHECK_EQ((uintptr_t)out[i].udata, (uintptr_t)(i + 1));
	}
	CHECK_EQ(out[0].ident, (uintptr_t)s);
	CHECK_EQ(out[1].ident, (uintptr_t)t);
	EXPECT_KEV(kq, 8, 1, NULL); /* the event comes with the next call */

	/* Errors as EV_ERROR entries: a bad ident (EBADF), deleting a knote
	 * that is not there (ENOENT), a filter without a source (EINVAL), between
	 * changes that work. */
	kev(&ch[0], 99, EVFILT_READ, EV_ADD, 0, 0, 0);
	kev(&ch[1], t, EVFILT_WRITE, EV_DELETE, 0, 0, 0);
	kev(&ch[2], t, EVFILT_WRITE, EV_ADD, 0, 0, 0);
	kev(&ch[3], s, EVFILT_PROC, EV_ADD, 0, 0, 0);
	kev(&ch[4], s, 42, EV_ADD, 0, 0, 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(ff_kevent(kq, ch, 5, out, 8, NULL), 4);
	CHECK(out[0].flags == EV_ERROR && out[0].data == EBADF && out[0].ident == 99);
	CHECK(out[1].flags == EV_ERROR && out[1].data == ENOENT && out[1].filter == EVFILT_WRITE);
	CHECK(out[2].flags == EV_ERROR && out[2].data == EINVAL && out[2].filter == EVFILT_PROC);
	CHECK(out[3].flags == EV_ERROR && out[3].data == EINVAL && out[3].filter == 42);
	/* The change between the errors was made. */
	{
		struct kevent e[4];
		int n = ff_kevent(kq, NULL, 0, e, 4, NULL), w = 0;

		CHECK_EQ(n, 2); /* s READ, t WRITE */
		for (int i = 0; i < n; i++)
			w += e[i].filter == EVFILT_WRITE && e[i].ident == (uintptr_t)t;
		CHECK_EQ(w, 1);
	}
	/* With no room in the eventlist, the first error is the call's. */
	CHECK_ERR(ff_kevent(kq, &ch[0], 1, NULL, 0, NULL), EBADF);
	CHECK_EQ(ff_kevent(kq, &ch[1], 1, NULL, 0, NULL), 0); /* t WRITE deleted */
	CHECK_ERR(ff_kevent(kq, &ch[1], 1, NULL, 0, NULL), ENOENT);
	CHECK_ERR(ff_kevent(kq, &ch[3], 1, NULL, 0, NULL), EINVAL);
	/* A closed socket and an epoll descriptor as idents: EBADF. */
	{
		int c = UDP_SOCK(0), ep = ff_epoll_create(1);

		CHECK_EQ(ff_close(c), 0);
		kev(&ch[0], c, EVFILT_READ, EV_ADD, 0, 0, 0);
		CHECK_ERR(ff_kevent(kq, &ch[0], 1, NULL, 0, NULL), EBADF);
		kev(&ch[0], ep, EVFILT_READ, EV_ADD, 0, 0, 0);
		CHECK_ERR(ff_kevent(kq, &ch[0], 1, NULL, 0, NULL), EBADF);
		kev(&ch[0], -1, EVFILT_READ, EV_ADD, 0, 0, 0);
		CHECK_ERR(ff_kevent(kq, &ch[0], 1, NULL, 0, NULL), EBADF);
	}
	/* The call's own arguments. */
	CHECK_ERR(ff_kevent(99, NULL, 0, out, 8, NULL), EBADF);
	CHECK_ERR(ff_kevent(s, NULL, 0, out, 8, NULL), EBADF);
	CHECK_ERR(ff_kevent(kq, NULL, -1, out, 8, NULL), EINVAL);
	CHECK_ERR(ff_kevent(kq, NULL, 0, out, -1, NULL), EINVAL);
	CHECK_ERR(ff_kevent(kq, NULL, 1, out, 8, NULL), EFAULT);
	CHECK_ERR(ff_kevent(kq, NULL, 0, NULL, 8, NULL), EFAULT);
	h_one_destroy(&h);
}

struct collected {
	struct kevent ev[8];
	int n;
};

static struct collected *coll;

/* ff_kevent_do_each's callback: *cursor walks the caller's array. */
static void collect(void **cursor, struct kevent *kv)
{
	struct kevent *slot = *cursor;

	*slot = *kv;
	*cursor = slot + 1;
	coll->n++;
}

TEST(kqueue_do_each_calls_back_per_event)
{
	struct h_one h;
	struct kevent ch[3];
	struct collected c;
	int s[3], kq, n;

	setup(&h);
	kq = ff_kqueue();
	for (int i = 0; i < 3; i++) {
		s[i] = UDP_SOCK((uint16_t)(7000 + i));
		kev(&ch[i], s[i], EVFILT_READ, EV_ADD, 0, 0, (uintptr_t)(100 + i));
	}
	memset(&c, 0, sizeof(c));
	coll = &c;
	CHECK_EQ(ff_kevent_do_each(kq, ch, 3, c.ev, 8, NULL, collect), 0);
	CHECK_EQ(c.n, 0);
	dgram_in(&h, 7000, 1);
	dgram_in(&h, 7002, 3);
	n = ff_kevent_do_each(kq, NULL, 0, c.ev, 8, NULL, collect);
	CHECK_EQ(n, 2);
	CHECK_EQ(c.n, 2);
	for (int i = 0; i < c.n && i < 2; i++) {
		uintptr_t u = (uintptr_t)c.ev[i].udata;

		CHECK(u == 100 || u == 102, "udata %lu", (unsigned long)u);
		CHECK_EQ(c.ev[i].data, u == 100 ? 1 : 3);
	}
	/* nevents bounds the callbacks. */
	memset(&c, 0, sizeof(c));
	CHECK_EQ(ff_kevent_do_each(kq, NULL, 0, c.ev, 1, NULL, collect), 1);
	CHECK_EQ(c.n, 1);
	/* Errors go through the callback too. */
	memset(&c, 0, sizeof(c));
	kev(&ch[0], 99, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK_EQ(ff_kevent_do_each(kq, ch, 1, c.ev, 8, NULL, collect), 1);
	CHECK_EQ(c.n, 1);
	CHECK(c.ev[0].flags == EV_ERROR && c.ev[0].data == EBADF);
	/* No callback: as ff_kevent. */
	CHECK_EQ(ff_kevent_do_each(kq, NULL, 0, c.ev, 8, NULL, NULL), 2);
	coll = NULL;
	h_one_destroy(&h);
}

/* ff_kevent_do_each exists so that the application handles each event as
 * it comes: its callback may close the socket the event is about. */
static void close_each(void **cursor, struct kevent *kv)
{
	(void)cursor;
	coll->ev[coll->n++ & 7] = *kv;
	if (!(kv->flags & EV_ERROR))
		ff_close((int)kv->ident);
}

TEST(kqueue_do_each_callback_may_close)
{
	static const unsigned short modes[] = { 0, EV_ONESHOT, EV_DISPATCH, EV_CLEAR };
	struct h_one h;
	struct kevent ch[2];
	struct collected c;
	int kq;

	setup(&h);
	kq = ff_kqueue();
	coll = &c;
	for (unsigned m = 0; m < RTE_DIM(modes); m++) {
		int s = UDP_SOCK(7000), t = UDP_SOCK(7001);

		kev(&ch[0], s, EVFILT_READ, EV_ADD | modes[m], 0, 0, 0);
		kev(&ch[1], t, EVFILT_READ, EV_ADD | modes[m], 0, 0, 0);
		CHECK_EQ(ff_kevent(kq, ch, 2, NULL, 0, NULL), 0);
		dgram_in(&h, 7000, 1);
		dgram_in(&h, 7001, 1);
		memset(&c, 0, sizeof(c));
		CHECK_EQ(ff_kevent_do_each(kq, NULL, 0, c.ev, 8, NULL, close_each), 2);
		CHECK_EQ(c.n, 2);
		/* Both closed by the callback: their numbers are free again. */
		CHECK_ERR(ff_close(s), EBADF);
		CHECK_ERR(ff_close(t), EBADF);
		memset(&c, 0, sizeof(c));
		CHECK_EQ(ff_kevent_do_each(kq, NULL, 0, c.ev, 8, NULL, close_each), 0);
	}
	coll = NULL;
	h_one_destroy(&h);
}

static int kq_to_close;

static void close_kq(void **cursor, struct kevent *kv)
{
	(void)cursor;
	(void)kv;
	coll->n++;
	ff_close(kq_to_close);
}

/* ... or the kqueue itself: the call ends there. */
TEST(kqueue_do_each_callback_may_close_the_kqueue)
{
	struct h_one h;
	struct kevent ch[2];
	struct collected c;
	int s, t;

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	coll = &c;
	/* While events are collected. */
	kq_to_close = ff_kqueue();
	kev(&ch[0], s, EVFILT_READ, EV_ADD, 0, 0, 0);
	kev(&ch[1], t, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq_to_close, ch, 2, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 1);
	dgram_in(&h, 7001, 1);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(ff_kevent_do_each(kq_to_close, NULL, 0, c.ev, 8, NULL, close_kq), 1);
	CHECK_EQ(c.n, 1);
	CHECK_ERR(ff_kevent(kq_to_close, NULL, 0, c.ev, 8, NULL), EBADF);
	/* While EV_ERROR entries are handed out: the rest is not applied. */
	kq_to_close = ff_kqueue();
	kev(&ch[0], 99, EVFILT_READ, EV_ADD, 0, 0, 0);
	kev(&ch[1], 98, EVFILT_READ, EV_ADD, 0, 0, 0);
	memset(&c, 0, sizeof(c));
	CHECK_EQ(ff_kevent_do_each(kq_to_close, ch, 2, c.ev, 8, NULL, close_kq), 1);
	CHECK_EQ(c.n, 1);
	coll = NULL;
	CHECK_EQ(drain1(s), 1);
	CHECK_EQ(drain1(t), 1);
	h_one_destroy(&h);
}

TEST(kqueue_close_removes_knotes)
{
	struct h_one h;
	struct kevent ch[2];
	int s, u, kq, kq2;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	kq2 = ff_kqueue();
	kev(&ch[0], s, EVFILT_READ, EV_ADD, 0, 0, 0);
	kev(&ch[1], s, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, ch, 2, NULL, 0, NULL), 0);
	CHECK_EQ(ff_kevent(kq2, ch, 2, NULL, 0, NULL), 0);
	dgram_in(&h, 7000, 4); /* both knotes of both queues ready */
	CHECK_EQ(ff_close(s), 0);
	EXPECT_KEV(kq, 8, 0, NULL);
	EXPECT_KEV(kq2, 8, 0, NULL);
	/* The number is reused by a socket nobody registered. */
	u = UDP_SOCK(7000);
	CHECK_EQ(u, s);
	dgram_in(&h, 7000, 4);
	EXPECT_KEV(kq, 8, 0, NULL);
	kev(&ch[0], u, EVFILT_READ, EV_DELETE, 0, 0, 0);
	CHECK_ERR(ff_kevent(kq, ch, 1, NULL, 0, NULL), ENOENT);
	/* Closing a kqueue with knotes on a live socket. */
	kev(&ch[0], u, EVFILT_READ, EV_ADD, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, ch, 1, NULL, 0, NULL), 0);
	CHECK_EQ(ff_kevent(kq2, ch, 1, NULL, 0, NULL), 0);
	CHECK_EQ(ff_close(kq), 0);
	CHECK_ERR(ff_kevent(kq, NULL, 0, ch, 2, NULL), EBADF);
	EXPECT_KEV(kq2, 8, 1, NULL);
	CHECK_EQ(drain1(u), 4);
	EXPECT_KEV(kq2, 8, 0, NULL);
	h_one_destroy(&h); /* u and kq2 still joined */
}

TEST(kqueue_eof_on_shutdown)
{
	struct h_one h;
	struct sockaddr_in a;
	struct kevent ch[2], out[4];
	int s, kq, n;

	setup(&h);
	s = UDP_SOCK(7000);
	kq = ff_kqueue();
	CHECK_EQ(ff_connect(s, sin4(&a, B_IP, 5000), sizeof(a)), 0);
	kev(&ch[0], s, EVFILT_READ, EV_ADD, 0, 0, 0);
	kev(&ch[1], s, EVFILT_WRITE, EV_ADD, 0, 0, 0);
	CHECK_EQ(ff_kevent(kq, ch, 2, NULL, 0, NULL), 0);
	n = ff_kevent(kq, NULL, 0, out, 4, NULL);
	CHECK_EQ(n, 1); /* WRITE only */
	CHECK(n == 1 && out[0].filter == EVFILT_WRITE && !(out[0].flags & EV_EOF));
	CHECK_EQ(ff_shutdown(s, SHUT_RDWR), 0);
	n = ff_kevent(kq, NULL, 0, out, 4, NULL);
	CHECK_EQ(n, 2);
	for (int i = 0; i < n; i++)
		CHECK(out[i].flags & EV_EOF, "filter %d flags 0x%x", out[i].filter, out[i].flags);
	h_one_destroy(&h);
}

/* ================= poll and select ================= */

TEST(poll_levels_and_pollnval)
{
	struct h_one h;
	struct pollfd p[6];
	int s, t, ep;

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	ep = ff_epoll_create(1);
	dgram_in(&h, 7000, 3);
	p[0] = (struct pollfd){ .fd = s, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = t, .events = POLLIN };
	p[2] = (struct pollfd){ .fd = t, .events = POLLIN | POLLOUT };
	p[3] = (struct pollfd){ .fd = 99, .events = POLLIN, .revents = 0x7 };
	p[4] = (struct pollfd){ .fd = -1, .events = POLLIN, .revents = 0x7 };
	p[5] = (struct pollfd){ .fd = ep, .events = POLLIN };
	CHECK_EQ(ff_poll(p, 6, 1000), 4);
	CHECK_EQ(p[0].revents, POLLIN);
	CHECK_EQ(p[1].revents, 0);
	CHECK_EQ(p[2].revents, POLLOUT);
	CHECK_EQ(p[3].revents, POLLNVAL);
	CHECK_EQ(p[4].revents, 0); /* negative: ignored */
	CHECK_EQ(p[5].revents, POLLNVAL);
	CHECK_EQ(drain1(s), 3);
	CHECK_EQ(ff_poll(p, 2, -1), 0);
	CHECK_EQ(p[0].revents, 0);
	CHECK_EQ(ff_poll(NULL, 0, 0), 0);
	CHECK_ERR(ff_poll(NULL, 1, 0), EFAULT);
	CHECK_ERR(ff_poll(p, (nfds_t)knob_table[KNOB_SOCK_MAX_FDS].def + 1, 0), EINVAL);
	/* An error is reported whatever was asked. */
	{
		struct sockaddr_in a;

		CHECK_EQ(ff_connect(t, sin4(&a, B_IP, 5000), sizeof(a)), 0);
		udp_ctlinput(h.s, ECONNREFUSED, h_ip4(A_IP), 7001, h_ip4(B_IP), 5000);
		p[1] = (struct pollfd){ .fd = t, .events = 0 };
		CHECK_EQ(ff_poll(&p[1], 1, 0), 1);
		CHECK_EQ(p[1].revents, POLLERR);
	}
	h_one_destroy(&h);
}

TEST(select_levels_and_ebadf)
{
	struct h_one h;
	fd_set r, w, e, r0;
	int s, t, ep;
	struct timeval tv = { 5, 0 };

	setup(&h);
	s = UDP_SOCK(7000);
	t = UDP_SOCK(7001);
	ep = ff_epoll_create(1);
	dgram_in(&h, 7000, 3);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(s, &r);
	FD_SET(t, &r);
	FD_SET(t, &w);
	FD_SET(s, &e);
	CHECK_EQ(ff_select(t + 1, &r, &w, &e, &tv), 2);
	CHECK(FD_ISSET(s, &r));
	CHECK(!FD_ISSET(t, &r));
	CHECK(FD_ISSET(t, &w));
	CHECK(!FD_ISSET(s, &e));
	/* Descriptors at or beyond nfds are not looked at. */
	FD_ZERO(&r);
	FD_SET(s, &r);
	FD_SET(t, &r);
	CHECK_EQ(ff_select(s + 1, &r, NULL, NULL, NULL), 1);
	/* A bad descriptor in a set: EBADF, sets untouched. */
	FD_ZERO(&r);
	FD_SET(s, &r);
	FD_SET(50, &r);
	r0 = r;
	CHECK_ERR(ff_select(51, &r, NULL, NULL, &tv), EBADF);
	CHECK(memcmp(&r, &r0, sizeof(r)) == 0);
	FD_ZERO(&r);
	FD_SET(ep, &r);
	CHECK_ERR(ff_select(ep + 1, &r, NULL, NULL, &tv), EBADF);
	FD_ZERO(&r);
	FD_SET(1, &r);
	CHECK_ERR(ff_select(2, &r, NULL, NULL, &tv), EBADF);
	CHECK_ERR(ff_select(-1, NULL, NULL, NULL, &tv), EINVAL);
	CHECK_ERR(ff_select(FD_SETSIZE + 1, NULL, NULL, NULL, &tv), EINVAL);
	CHECK_EQ(ff_select(0, NULL, NULL, NULL, &tv), 0);
	CHECK_EQ(ff_select(t + 1, NULL, NULL, NULL, NULL), 0);
	/* Drained: nothing readable. */
	CHECK_EQ(drain1(s), 3);
	FD_ZERO(&r);
	FD_SET(s, &r);
	CHECK_EQ(ff_select(s + 1, &r, NULL, NULL, &tv), 0);
	CHECK(!FD_ISSET(s, &r));
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	return harness_main(argc, argv);
}
