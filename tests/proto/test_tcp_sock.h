/* test_tcp_sock.h: helpers shared by the TCP socket-API tests
 * (test_tcp_socket.c, test_tcp_sockopt.c, test_tcp_events.c).
 *
 * Two stacks on the in-memory link, virtual time: a (198.18.0.1) is the
 * server side, b (198.18.0.2) the client side.  Everything goes through
 * the public ff_* API; ON(h.a) makes a stack the calling thread's.  A test
 * opens a connection with CONN_OPEN (listener c.lfd and accepted c.sfd on
 * a, client c.cfd on b), more with CONN_MORE, a client still connecting
 * with CONNECT_NB (its SYN waits in the link until a runs), a refused one
 * with REFUSED; it reads readiness with EXPECT_LEVEL (epoll), EXPECT_KEV /
 * EXPECT_NO_KEV (kqueue), poll_level and select_level; it closes what it
 * opened (conn_close, ff_close), and ends with T_PAIR_TEARDOWN
 * (test_tcp_lib.c), which fails the test if a descriptor is still open or
 * a control block outlives the connections' ends.
 *
 * Expected readiness values, errno values and option results are Linux's
 * (tcp_poll, inet_*, do_tcp_getsockopt, ...), checked on kernel loopback
 * sockets when these tests were written; kqueue's are FreeBSD's
 * (filt_soread/filt_sowrite).  Where fastack chooses otherwise on purpose
 * (the header comment of src/api/ff_socket.c), the test says so and asserts
 * the documented behaviour.
 */
#ifndef FASTACK_TESTS_PROTO_TEST_TCP_SOCK_H
#define FASTACK_TESTS_PROTO_TEST_TCP_SOCK_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "ff_event.h"
#include "harness.h"
#include "stack/stack.h"

#define A_IP "198.18.0.1"
#define B_IP "198.18.0.2"

/* In test_tcp_lib.c. */
void t_pair_teardown_(const char *file, int line, struct h_pair *h);
#define T_PAIR_TEARDOWN(h) t_pair_teardown_(__FILE__, __LINE__, (h))

#define ON(s) stack_set_current(s)

static inline struct linux_sockaddr *sin4(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = ip ? h_ip4(ip) : 0;
	return (struct linux_sockaddr *)a;
}

/* Runs stack s alone for ms: the other one is silent (what s sends waits
 * in the link until the other runs again). */
static inline void run_only(struct h_pair *h, struct stack *s, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		h->now += 1000000ull;
		stack_set_current(s);
		stack_pass_begin(s, h->now);
		stack_pass_end(s);
	}
}

/* EPOLL* bits as names, for failure messages. */
static inline const char *ev_str(uint32_t e, char *buf, size_t n)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = { { EPOLLIN, "IN" },         { EPOLLPRI, "PRI" },       { EPOLLOUT, "OUT" },
		      { EPOLLRDNORM, "RDNORM" }, { EPOLLWRNORM, "WRNORM" }, { EPOLLERR, "ERR" },
		      { EPOLLHUP, "HUP" },       { EPOLLRDHUP, "RDHUP" } };
	size_t off = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((e & names[i].bit) && off < n)
			off += (size_t)snprintf(buf + off, n - off, "%s%s", off ? "|" : "",
			                        names[i].name);
	if (!off)
		snprintf(buf, n, "0");
	return buf;
}

/* What a fresh level-triggered epoll instance reports for fd with interest
 * now (0 if nothing). */
static inline uint32_t ep_level(int fd, uint32_t interest)
{
	struct epoll_event e = { .events = interest, .data.fd = fd }, out[2];
	int ep = ff_epoll_create(1), n;

	if (ep < 0 || ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0)
		return 0xffffffffu;
	n = ff_epoll_wait(ep, out, 2, 0);
	ff_close(ep);
	return n == 1 ? out[0].events : 0;
}

#define EP_ALL (EPOLLIN | EPOLLOUT | EPOLLRDHUP)

/* The epoll level of fd (interest EPOLLIN|EPOLLOUT|EPOLLRDHUP) is want. */
#define EXPECT_LEVEL(fd, want)                                                                 \
	do {                                                                                   \
		uint32_t got_ = ep_level((fd), EP_ALL), want_ = (want);                        \
		char g_[64], w_[64];                                                           \
		if (got_ != want_)                                                             \
			harness_fail(__FILE__, __LINE__, "epoll level of %s: %s, expected %s", \
			             #fd, ev_str(got_, g_, sizeof(g_)),                        \
			             ev_str(want_, w_, sizeof(w_)));                           \
	} while (0)

/* What a fresh kqueue reports for filter on fd (fflags and data as given
 * with EV_ADD, e.g. NOTE_LOWAT and its mark): 1 with *out filled, 0 if
 * nothing, -1 on an error. */
static inline int kq_level(int fd, short filter, unsigned fflags, int64_t data, struct kevent *out)
{
	struct kevent ch;
	int kq = ff_kqueue(), n;

	if (kq < 0)
		return -1;
	EV_SET(&ch, fd, filter, EV_ADD, fflags, data, NULL);
	n = ff_kevent(kq, &ch, 1, out, 1, NULL);
	ff_close(kq);
	return n;
}

/* kqueue reports filt on fd, with EV_EOF (eof) and fflags ff as given, and
 * data d (unless d < 0: any). */
#define EXPECT_KEV(fd, filt, eof, ff, d)                                                           \
	do {                                                                                       \
		struct kevent k_;                                                                  \
		int n_ = kq_level((fd), (filt), 0, 0, &k_);                                        \
		long long d_ = (d);                                                                \
		if (n_ != 1)                                                                       \
			harness_fail(__FILE__, __LINE__, "kqueue %s on %s: %d events", #filt, #fd, \
			             n_);                                                          \
		else if (((k_.flags & EV_EOF) != 0) != (eof) || k_.fflags != (unsigned)(ff) ||     \
		         (d_ >= 0 && k_.data != d_))                                               \
			harness_fail(__FILE__, __LINE__,                                           \
			             "kqueue %s on %s: flags 0x%x fflags %u data %lld, "           \
			             "expected%s EV_EOF fflags %u data %lld",                      \
			             #filt, #fd, k_.flags, k_.fflags, (long long)k_.data,          \
			             (eof) ? "" : " no", (unsigned)(ff), d_);                      \
	} while (0)

/* kqueue reports nothing for filt on fd. */
#define EXPECT_NO_KEV(fd, filt)                                                            \
	do {                                                                               \
		struct kevent k_;                                                          \
		int n_ = kq_level((fd), (filt), 0, 0, &k_);                                \
		if (n_ != 0)                                                               \
			harness_fail(__FILE__, __LINE__,                                   \
			             "kqueue %s on %s: %d events (flags 0x%x data %lld), " \
			             "expected none",                                      \
			             #filt, #fd, n_, n_ == 1 ? k_.flags : 0,               \
			             n_ == 1 ? (long long)k_.data : 0);                    \
	} while (0)

/* ff_poll's revents for fd with events (-1 on an error). */
static inline int poll_level(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	if (ff_poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* ff_select on fd alone: SEL_R | SEL_W | SEL_E for the sets it is left in
 * (-1 on an error). */
#define SEL_R 1
#define SEL_W 2
#define SEL_E 4
static inline int select_level(int fd)
{
	fd_set r, w, e;
	struct timeval tv = { 0, 0 };

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	FD_SET(fd, &r);
	FD_SET(fd, &w);
	FD_SET(fd, &e);
	if (ff_select(fd + 1, &r, &w, &e, &tv) < 0)
		return -1;
	return (FD_ISSET(fd, &r) ? SEL_R : 0) | (FD_ISSET(fd, &w) ? SEL_W : 0) |
	       (FD_ISSET(fd, &e) ? SEL_E : 0);
}

static inline int so_error(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (ff_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) != 0)
		return -1;
	return v;
}

/* A connection between the stacks. */
struct conn {
	struct h_pair h;
	int lfd; /* listener on a (port) */
	int sfd; /* accepted on a */
	int cfd; /* client on b */
	uint16_t port;
};

/* Listener on a:port, client on b (ff_socket type flags cflags, e.g.
 * SOCK_NONBLOCK), connected and accepted; knobs may be NULL. */
static inline void conn_open_(const char *file, int line, struct conn *c, uint16_t port, int cflags,
                              const int64_t *knobs)
{
	struct sockaddr_in a;

	memset(c, 0, sizeof(*c));
	c->port = port;
	h_pair_create(&c->h, NULL, NULL, knobs);
	ON(c->h.a);
	c->lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	if (c->lfd < 0 || ff_bind(c->lfd, sin4(&a, NULL, port), sizeof(a)) != 0 ||
	    ff_listen(c->lfd, 16) != 0)
		harness_fail(file, line, "listener on port %u: errno %d", port, errno);
	ON(c->h.b);
	c->cfd = ff_socket(AF_INET, SOCK_STREAM | cflags, 0);
	if (c->cfd < 0 || ff_connect(c->cfd, sin4(&a, A_IP, port), sizeof(a)) != -1 ||
	    errno != EINPROGRESS)
		harness_fail(file, line, "connect: errno %d", errno);
	h_pair_run_ms(&c->h, 5);
	ON(c->h.a);
	c->sfd = ff_accept(c->lfd, NULL, NULL);
	if (c->sfd < 0)
		harness_fail(file, line, "accept: errno %d", errno);
}
#define CONN_OPEN(c, port, cflags, knobs) \
	conn_open_(__FILE__, __LINE__, (c), (port), (cflags), (knobs))

/* A non-blocking client on b connecting to a:port: its SYN waits in the
 * link until a runs (SYN_SENT until then). */
static inline int connect_nb_(const char *file, int line, struct h_pair *h, uint16_t port)
{
	struct sockaddr_in a;
	int fd;

	ON(h->b);
	fd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0 || ff_connect(fd, sin4(&a, A_IP, port), sizeof(a)) != -1 || errno != EINPROGRESS)
		harness_fail(file, line, "connect to port %u: errno %d", port, errno);
	return fd;
}
#define CONNECT_NB(h, port) connect_nb_(__FILE__, __LINE__, (h), (port))

/* One more connection to c's listener: client *cfd on b, accepted *sfd on
 * a. */
static inline void conn_more_(const char *file, int line, struct conn *c, int *cfd, int *sfd)
{
	*cfd = connect_nb_(file, line, &c->h, c->port);
	h_pair_run_ms(&c->h, 5);
	ON(c->h.a);
	*sfd = ff_accept(c->lfd, NULL, NULL);
	if (*sfd < 0)
		harness_fail(file, line, "accept: errno %d", errno);
}
#define CONN_MORE(c, cfd, sfd) conn_more_(__FILE__, __LINE__, (c), (cfd), (sfd))

/* A client on b refused by a (no listener on port): the RST is in. */
static inline int refused_(const char *file, int line, struct h_pair *h, uint16_t port)
{
	int fd = connect_nb_(file, line, h, port);

	h_pair_run_ms(h, 5);
	ON(h->b);
	return fd;
}
#define REFUSED(h, port) refused_(__FILE__, __LINE__, (h), (port))

/* Closes what is still open (a descriptor set to -1 is skipped). */
static inline void conn_close(struct conn *c)
{
	ON(c->h.a);
	if (c->sfd >= 0)
		CHECK_EQ(ff_close(c->sfd), 0);
	if (c->lfd >= 0)
		CHECK_EQ(ff_close(c->lfd), 0);
	ON(c->h.b);
	if (c->cfd >= 0)
		CHECK_EQ(ff_close(c->cfd), 0);
	c->sfd = c->lfd = c->cfd = -1;
}

/* RST from a: fd (on a) closes with SO_LINGER 0, and the RST arrives. */
static inline void reset_from_a(struct h_pair *h, int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	ON(h->a);
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ff_close(fd), 0);
	h_pair_run_ms(h, 2);
}

/* The same for the accepted socket c->sfd. */
static inline void conn_reset_from_a(struct conn *c)
{
	reset_from_a(&c->h, c->sfd);
	c->sfd = -1;
}

#endif
