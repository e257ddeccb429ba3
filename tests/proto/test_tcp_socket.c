/* test_tcp_socket.c: TCP through the socket API (ff_socket ... ff_close)
 * and epoll, between two stacks on the in-memory link: non-blocking
 * connect (EINPROGRESS, then EPOLLOUT and SO_ERROR 0), accept on
 * EPOLLIN, data both ways, EOF and EPOLLRDHUP, connection refused
 * (EPOLLERR|EPOLLHUP, SO_ERROR ECONNREFUSED), SO_LINGER, and stack
 * teardown with sockets still open; then each call with Linux's results
 * and errno values: accept4 flags, connect's sequence (EINPROGRESS,
 * EALREADY, 0 once, EISCONN, the failure's error), readv/writev/sendmsg/
 * recvmsg, MSG_PEEK/MSG_DONTWAIT/MSG_WAITALL, zero-length calls, EPIPE
 * without SIGPIPE, getsockname/getpeername in each state, FIONREAD/FIONBIO,
 * shutdown's variants (listeners too), close with SO_LINGER 0.
 */
#include <limits.h>
#include <signal.h>
#include <sys/uio.h>

#include "tcp/tcp.h"
#include "test_tcp_sock.h"

static struct linux_sockaddr *addr_in(struct sockaddr_in *a, const char *ip, uint16_t port)
{
	return sin4(a, ip, port);
}

static void on(struct h_pair *h, struct stack *s)
{
	(void)h;
	stack_set_current(s);
}

/* Runs the pair until an epoll wait on ep (on stack s) reports something,
 * at most ms; returns the count. */
static int wait_events(struct h_pair *h, struct stack *s, int ep, struct epoll_event *ev,
                       unsigned ms)
{
	for (unsigned i = 0; i <= ms; i++) {
		int n;

		on(h, s);
		n = ff_epoll_wait(ep, ev, 8, 0);
		if (n != 0)
			return n;
		h_pair_run_ms(h, 1);
	}
	return 0;
}

TEST(socket_connect_accept_data_close)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct epoll_event ev[8], e;
	int lfd, cfd, sfd, epa, epb, v, n;
	socklen_t len;
	char buf[64];

	h_pair_create(&h, NULL, NULL, NULL);
	on(&h, h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0);
	v = 1;
	CHECK_EQ(ff_setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(lfd, addr_in(&a, NULL, 8080), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 16), 0);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len), 0);
	CHECK_EQ(v, 1);
	epa = ff_epoll_create(1);
	e = (struct epoll_event){ .events = EPOLLIN, .data.fd = lfd };
	CHECK_EQ(ff_epoll_ctl(epa, EPOLL_CTL_ADD, lfd, &e), 0);

	on(&h, h.b);
	cfd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(cfd >= 0);
	CHECK_EQ(ff_setsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5), 0);
	CHECK_EQ(ff_setsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, "vegas", 5), -1);
	CHECK_EQ(errno, ENOENT);
	len = sizeof(buf);
	CHECK_EQ(ff_getsockopt(cfd, IPPROTO_TCP, TCP_CONGESTION, buf, &len), 0);
	CHECK(strcmp(buf, "cubic") == 0, "TCP_CONGESTION %s", buf);
	epb = ff_epoll_create(1);
	e = (struct epoll_event){ .events = EPOLLOUT | EPOLLIN | EPOLLRDHUP | EPOLLET,
		                  .data.fd = cfd };
	CHECK_EQ(ff_epoll_ctl(epb, EPOLL_CTL_ADD, cfd, &e), 0);
	CHECK_EQ(ff_connect(cfd, addr_in(&a, "198.18.0.1", 8080), sizeof(a)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	CHECK_EQ(ff_connect(cfd, addr_in(&a, "198.18.0.1", 8080), sizeof(a)), -1);
	CHECK_EQ(errno, EALREADY);

	n = wait_events(&h, h.b, epb, ev, 100);
	CHECK_EQ(n, 1);
	CHECK(ev[0].events & EPOLLOUT);
	len = sizeof(v);
	v = -1;
	CHECK_EQ(ff_getsockopt(cfd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ff_write(cfd, "hello", 5), 5);

	n = wait_events(&h, h.a, epa, ev, 100);
	CHECK_EQ(n, 1);
	CHECK_EQ(ev[0].data.fd, lfd);
	len = sizeof(a);
	sfd = ff_accept(lfd, (struct linux_sockaddr *)&a, &len);
	CHECK(sfd >= 0);
	CHECK_EQ(a.sin_addr.s_addr, h_ip4("198.18.0.2"));
	CHECK_EQ(ff_accept(lfd, NULL, NULL), -1);
	CHECK_EQ(errno, EAGAIN);
	h_pair_run_ms(&h, 5);
	on(&h, h.a);
	CHECK_EQ(ff_read(sfd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	{
		struct tcp_info ti;

		len = sizeof(ti);
		CHECK_EQ(ff_getsockopt(sfd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
		CHECK_EQ(ti.tcpi_state, 1); /* TCP_ESTABLISHED */
		CHECK_EQ(ti.tcpi_snd_mss, 1448);
	}
	v = 1;
	CHECK_EQ(ff_setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(sfd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof(v)), 0);
	CHECK_EQ(ff_write(sfd, "world", 5), 5);
	/* The server closes: the client reads the data, then EOF. */
	CHECK_EQ(ff_close(sfd), 0);
	h_pair_run_ms(&h, 5);
	on(&h, h.b);
	n = ff_epoll_wait(epb, ev, 8, 0);
	CHECK(n == 1 && (ev[0].events & EPOLLRDHUP), "events 0x%x", n ? ev[0].events : 0);
	CHECK_EQ(ff_read(cfd, buf, sizeof(buf)), 5);
	CHECK_EQ(ff_read(cfd, buf, sizeof(buf)), 0);
	CHECK_EQ(ff_write(cfd, "x", 1), 1); /* half-close: still writable */
	h_pair_run_ms(&h, 5);               /* the server's RST (closed) */
	on(&h, h.b);
	CHECK_ERR(ff_write(cfd, "x", 1), ECONNRESET); /* the error once (Linux) */
	CHECK_ERR(ff_write(cfd, "x", 1), EPIPE);      /* then EPIPE */
	CHECK_EQ(ff_close(cfd), 0);
	CHECK_EQ(ff_close(epb), 0);
	on(&h, h.a);
	CHECK_EQ(ff_close(epa), 0);
	CHECK_EQ(ff_close(lfd), 0);
	T_PAIR_TEARDOWN(&h);
}

TEST(socket_connection_refused)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct epoll_event ev[8], e;
	int cfd, ep, v, n;
	socklen_t len = sizeof(v);

	h_pair_create(&h, NULL, NULL, NULL);
	on(&h, h.b);
	cfd = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ep = ff_epoll_create(1);
	e = (struct epoll_event){ .events = EPOLLOUT | EPOLLIN, .data.fd = cfd };
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e), 0);
	CHECK_EQ(ff_connect(cfd, addr_in(&a, "198.18.0.1", 9), sizeof(a)), -1);
	CHECK_EQ(errno, EINPROGRESS);
	n = wait_events(&h, h.b, ep, ev, 100);
	CHECK_EQ(n, 1);
	CHECK((ev[0].events & (EPOLLERR | EPOLLHUP)) == (EPOLLERR | EPOLLHUP), "events 0x%x",
	      ev[0].events);
	CHECK_EQ(ff_getsockopt(cfd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, ECONNREFUSED);
	/* Linux's __inet_stream_connect: the failed attempt's error was read,
	 * so connecting again says ECONNABORTED. */
	CHECK_ERR(ff_connect(cfd, addr_in(&a, "198.18.0.1", 9), sizeof(a)), ECONNABORTED);
	CHECK_EQ(ff_close(cfd), 0);
	CHECK_EQ(ff_close(ep), 0);
	T_PAIR_TEARDOWN(&h);
}

/* SO_LINGER with a time: ff_close returns 0 at once (FreeBSD's behaviour
 * for a non-blocking socket; nothing blocks here) and the data queued
 * before it is still delivered, followed by a FIN, not a RST. */
TEST(socket_linger_time_close_returns_at_once_and_delivers)
{
	static char big[100000], got[100000];
	struct h_pair h;
	struct sockaddr_in a;
	struct linger lg = { .l_onoff = 1, .l_linger = 5 };
	int lfd, cfd, sfd, n, off = 0;
	socklen_t len = sizeof(lg);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	h_pair_create(&h, NULL, NULL, NULL);
	on(&h, h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_bind(lfd, addr_in(&a, NULL, 80), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 4), 0);
	on(&h, h.b);
	cfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_connect(cfd, addr_in(&a, "198.18.0.1", 80), sizeof(a)), -1);
	h_pair_run_ms(&h, 10);
	on(&h, h.b);
	n = (int)ff_write(cfd, big, sizeof(big));
	CHECK(n > 0);
	CHECK_EQ(ff_setsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	lg.l_linger = 0;
	CHECK_EQ(ff_getsockopt(cfd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 1 && lg.l_linger == 5);
	CHECK_EQ(ff_close(cfd), 0);
	on(&h, h.a);
	sfd = ff_accept(lfd, NULL, NULL);
	CHECK(sfd >= 0);
	for (unsigned ms = 0; ms < 2000 && off < (int)sizeof(got); ms++) {
		ssize_t r;

		on(&h, h.a);
		r = ff_read(sfd, got + off, sizeof(got) - (size_t)off);
		if (r == 0)
			break;
		if (r > 0)
			off += (int)r;
		else
			h_pair_run_ms(&h, 1);
	}
	CHECK_EQ(off, n);
	CHECK(memcmp(got, big, (size_t)n) == 0);
	h_pair_run_ms(&h, 10);
	on(&h, h.a);
	CHECK_EQ(ff_read(sfd, got, 1), 0); /* EOF, not ECONNRESET */
	CHECK_EQ(h.b->stats.tcp.tcps_sndrst, 0);
	CHECK_EQ(ff_close(sfd), 0);
	CHECK_EQ(ff_close(lfd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* Sockets left open at teardown are closed by the stack (TCP first frees
 * its control blocks, then the socket layer its sockets): on purpose no
 * T_PAIR_TEARDOWN here, the stacks' own teardown is under test. */
TEST(socket_teardown_with_open_connections)
{
	struct h_pair h;
	struct sockaddr_in a;
	int lfd, cfd, sfd;

	h_pair_create(&h, NULL, NULL, NULL);
	on(&h, h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_bind(lfd, addr_in(&a, "198.18.0.1", 80), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 4), 0);
	on(&h, h.b);
	cfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_connect(cfd, addr_in(&a, "198.18.0.1", 80), sizeof(a)), -1);
	h_pair_run_ms(&h, 10);
	on(&h, h.a);
	sfd = ff_accept(lfd, NULL, NULL);
	CHECK(sfd >= 0);
	CHECK_EQ(ff_write(sfd, "pending", 7), 7);
	on(&h, h.b);
	CHECK_EQ(ff_write(cfd, "unread", 6), 6);
	/* A reset connection whose socket is still open, too. */
	h_pair_destroy(&h);
}

/* ---- each call, with Linux's results and errno values ---- */

#define PORT 8080
#define CLOSED_PORT 9
#define IOH_ERR (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP | EPOLLERR)

TEST(socket_accept4_flags_and_address)
{
	struct conn c;
	struct sockaddr_in a, b;
	socklen_t len;
	int c1, c2, s1, s2, u, ep, v = 1;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.a);
	/* CONN_OPEN's plain accept: blocking, no FD_CLOEXEC. */
	CHECK_EQ(ff_fcntl(c.sfd, F_GETFL), O_RDWR);
	CHECK_EQ(ff_fcntl(c.sfd, F_GETFD), 0);
	CHECK_ERR(ff_accept4(c.lfd, NULL, NULL, 0x1), EINVAL); /* flags beyond the two */
	CHECK_ERR(ff_accept(c.lfd, NULL, NULL), EAGAIN);       /* nothing to accept */
	CHECK_EQ(ff_ioctl(c.lfd, FIONBIO, &v), 0);
	c1 = CONNECT_NB(&c.h, PORT);
	c2 = CONNECT_NB(&c.h, PORT);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	/* A short address buffer is cut; the length says the full size. */
	memset(&a, 0, sizeof(a));
	len = 2;
	s1 = ff_accept4(c.lfd, (struct linux_sockaddr *)&a, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	CHECK(s1 >= 0);
	CHECK_EQ(len, sizeof(struct sockaddr_in));
	CHECK(a.sin_family == AF_INET && a.sin_port == 0 && a.sin_addr.s_addr == 0);
	CHECK_EQ(ff_fcntl(s1, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(ff_fcntl(s1, F_GETFD), FD_CLOEXEC);
	/* A non-blocking listener does not make what it accepts
	 * non-blocking (Linux). */
	len = sizeof(a);
	s2 = ff_accept(c.lfd, (struct linux_sockaddr *)&a, &len);
	CHECK(s2 >= 0);
	CHECK_EQ(ff_fcntl(s2, F_GETFL), O_RDWR);
	CHECK_EQ(len, sizeof(a));
	CHECK_EQ(a.sin_addr.s_addr, h_ip4(B_IP));
	ON(c.h.b);
	len = sizeof(b);
	CHECK_EQ(ff_getsockname(c2, (struct linux_sockaddr *)&b, &len), 0);
	CHECK_EQ(a.sin_port, b.sin_port); /* first in, first accepted */
	/* accept on what is not listening: EINVAL; on UDP EOPNOTSUPP; not a
	 * socket ENOTSOCK; no descriptor EBADF. */
	CHECK_ERR(ff_accept(c.cfd, NULL, NULL), EINVAL);
	u = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_accept(u, NULL, NULL), EINVAL);
	CHECK_EQ(ff_close(u), 0);
	u = ff_socket(AF_INET, SOCK_DGRAM, 0);
	CHECK_ERR(ff_accept(u, NULL, NULL), EOPNOTSUPP);
	CHECK_EQ(ff_close(u), 0);
	ep = ff_epoll_create(1);
	CHECK_ERR(ff_accept(ep, NULL, NULL), ENOTSOCK);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_ERR(ff_accept(999, NULL, NULL), EBADF);
	CHECK_EQ(ff_close(c1), 0);
	CHECK_EQ(ff_close(c2), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(s1), 0);
	CHECK_EQ(ff_close(s2), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* connect() answers from the socket's own view of its attempt (Linux's
 * __inet_stream_connect): EINPROGRESS, EALREADY while the handshake runs,
 * then once how it ended (0, or the error), then EISCONN. */
TEST(socket_connect_sequence)
{
	struct conn c;
	struct sockaddr_in a;
	char buf[8];
	int x, sx, y, z, sz;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	/* CONN_OPEN's client is established: the next connect() says 0 (the
	 * address is not looked at), the one after EISCONN. */
	ON(c.h.b);
	CHECK_EQ(ff_connect(c.cfd, sin4(&a, A_IP, 1), sizeof(a)), 0);
	CHECK_ERR(ff_connect(c.cfd, sin4(&a, A_IP, PORT), sizeof(a)), EISCONN);
	/* Accepted sockets and listeners: EISCONN. */
	ON(c.h.a);
	CHECK_ERR(ff_connect(c.sfd, sin4(&a, B_IP, 1234), sizeof(a)), EISCONN);
	CHECK_ERR(ff_connect(c.lfd, sin4(&a, B_IP, 1234), sizeof(a)), EISCONN);

	/* While the handshake runs: EALREADY; reads and writes EAGAIN. */
	x = CONNECT_NB(&c.h, PORT);
	CHECK_ERR(ff_connect(x, sin4(&a, A_IP, PORT), sizeof(a)), EALREADY);
	CHECK_ERR(ff_read(x, buf, 1), EAGAIN);
	CHECK_ERR(ff_write(x, "x", 1), EAGAIN);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	sx = ff_accept(c.lfd, NULL, NULL);
	CHECK(sx >= 0);
	/* A shutdown of an established attempt makes it connected (Linux's
	 * inet_shutdown): connect() says EISCONN, not 0. */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(x, SHUT_WR), 0);
	CHECK_ERR(ff_connect(x, sin4(&a, A_IP, PORT), sizeof(a)), EISCONN);

	/* Bad addresses. */
	y = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, PORT), 8), EINVAL);
	a.sin_family = AF_INET6;
	CHECK_ERR(ff_connect(y, (struct linux_sockaddr *)&a, sizeof(a)), EAFNOSUPPORT);
	CHECK_ERR(ff_connect(y, NULL, sizeof(a)), EFAULT);
	CHECK_ERR(ff_connect(999, sin4(&a, A_IP, PORT), sizeof(a)), EBADF);
	CHECK_EQ(ff_close(y), 0);

	/* Refused, the error not read yet: connect() says it, and the
	 * socket is fresh again (Linux's tcp_disconnect): never connected,
	 * no address; the next connect() is a new attempt, options kept. */
	y = REFUSED(&c.h, CLOSED_PORT);
	CHECK_EQ(ff_setsockopt(y, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int)), 0);
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, CLOSED_PORT), sizeof(a)), ECONNREFUSED);
	CHECK_EQ(so_error(y), 0);
	EXPECT_LEVEL(y, EPOLLOUT | EPOLLHUP);
	{
		socklen_t len = sizeof(a);

		CHECK_EQ(ff_getsockname(y, (struct linux_sockaddr *)&a, &len), 0);
		CHECK(a.sin_addr.s_addr == 0 && a.sin_port == 0);
	}
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, PORT), sizeof(a)), EINPROGRESS);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_connect(y, sin4(&a, A_IP, PORT), sizeof(a)), 0);
	{
		int v = 0;
		socklen_t len = sizeof(v);

		CHECK_EQ(ff_getsockopt(y, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
		CHECK_EQ(v, 1);
	}
	ON(c.h.a);
	sz = ff_accept(c.lfd, NULL, NULL);
	CHECK(sz >= 0);
	CHECK_EQ(ff_close(sz), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(y), 0);
	/* The same with a bind(): the address outlives the failure, read
	 * with SO_ERROR this time (connect() then says ECONNABORTED). */
	ON(c.h.b);
	y = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(y, sin4(&a, B_IP, 7100), sizeof(a)), 0);
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, CLOSED_PORT), sizeof(a)), EINPROGRESS);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(so_error(y), ECONNREFUSED);
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, CLOSED_PORT), sizeof(a)), ECONNABORTED);
	CHECK_ERR(ff_connect(y, sin4(&a, A_IP, PORT), sizeof(a)), EINPROGRESS);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	sz = ff_accept(c.lfd, (struct linux_sockaddr *)&a, &(socklen_t){ sizeof(a) });
	CHECK(sz >= 0);
	CHECK_EQ(ntohs(a.sin_port), 7100);
	CHECK_EQ(ff_close(sz), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(y), 0);

	/* Established, then reset before connect() looked again: the reset's
	 * error. */
	z = CONNECT_NB(&c.h, PORT);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	sz = ff_accept(c.lfd, NULL, NULL);
	CHECK(sz >= 0);
	reset_from_a(&c.h, sz);
	ON(c.h.b);
	CHECK_ERR(ff_connect(z, sin4(&a, A_IP, PORT), sizeof(a)), ECONNRESET);
	CHECK_EQ(ff_close(z), 0);
	/* Connected (said 0 above), then reset: EISCONN, and the error stays
	 * for the next call. */
	conn_reset_from_a(&c);
	ON(c.h.b);
	CHECK_ERR(ff_connect(c.cfd, sin4(&a, A_IP, PORT), sizeof(a)), EISCONN);
	CHECK_EQ(so_error(c.cfd), ECONNRESET);

	CHECK_EQ(ff_close(x), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(sx), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(socket_readv_writev_sendmsg_recvmsg)
{
	struct conn c;
	char a1[8], a2[8], a3[64];
	struct iovec wv[4] = { { "ab", 2 }, { NULL, 0 }, { "cde", 3 }, { "fghij", 5 } };
	struct iovec rv[3] = { { a1, 2 }, { a2, 3 }, { a3, sizeof(a3) } };
	struct iovec bad = { NULL, 5 };
	struct sockaddr_in to, from;
	struct msghdr m;
	socklen_t flen;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	CHECK_EQ(ff_writev(c.cfd, wv, 4), 10);
	/* The address given to sendmsg/sendto on a connection is ignored,
	 * whatever it is; only a length out of range is EINVAL (Linux). */
	memset(&m, 0, sizeof(m));
	m.msg_iov = wv + 2;
	m.msg_iovlen = 2;
	m.msg_name = sin4(&to, "198.18.0.99", 1);
	m.msg_namelen = sizeof(to);
	CHECK_EQ(ff_sendmsg(c.cfd, &m, 0), 8);
	to.sin_family = AF_INET6;
	CHECK_EQ(ff_sendto(c.cfd, "kl", 2, 0, (struct linux_sockaddr *)&to, sizeof(to)), 2);
	CHECK_EQ(ff_sendto(c.cfd, "mn", 2, 0, (struct linux_sockaddr *)&to, 4), 2);
	CHECK_ERR(ff_sendto(c.cfd, "op", 2, 0, (struct linux_sockaddr *)&to, (socklen_t)-1),
	          EINVAL);
	h_pair_run_ms(&c.h, 50); /* Nagle held the small ones until the ACK */
	ON(c.h.a);
	CHECK_EQ(ff_readv(c.sfd, rv, 3), 22);
	CHECK(memcmp(a1, "ab", 2) == 0 && memcmp(a2, "cde", 3) == 0 &&
	      memcmp(a3, "fghijcdefghijklmn", 17) == 0);

	/* recvmsg/recvfrom: no address on a stream (length 0), no control
	 * data, no flags. */
	ON(c.h.b);
	CHECK_EQ(ff_write(c.cfd, "0123456789", 10), 10);
	h_pair_run_ms(&c.h, 100);
	ON(c.h.a);
	memset(&m, 0, sizeof(m));
	m.msg_iov = rv;
	m.msg_iovlen = 2;
	m.msg_name = &from;
	m.msg_namelen = sizeof(from);
	m.msg_control = a3;
	m.msg_controllen = 16;
	m.msg_flags = 0x7777;
	CHECK_EQ(ff_recvmsg(c.sfd, &m, 0), 5);
	CHECK(m.msg_namelen == 0 && m.msg_controllen == 0 && m.msg_flags == 0,
	      "namelen %u controllen %zu flags 0x%x", m.msg_namelen, (size_t)m.msg_controllen,
	      m.msg_flags);
	CHECK(memcmp(a1, "01", 2) == 0 && memcmp(a2, "234", 3) == 0);
	flen = sizeof(from);
	CHECK_EQ(ff_recvfrom(c.sfd, a3, 2, 0, (struct linux_sockaddr *)&from, &flen), 2);
	CHECK_EQ(flen, 0);
	CHECK_EQ(ff_recv(c.sfd, a3, sizeof(a3), 0), 3);
	CHECK(memcmp(a3, "789", 3) == 0);

	/* Bad vectors: EFAULT (a NULL buffer with a length), EINVAL
	 * (counts). */
	CHECK_ERR(ff_writev(c.sfd, &bad, 1), EFAULT);
	CHECK_ERR(ff_readv(c.sfd, &bad, 1), EFAULT);
	CHECK_ERR(ff_writev(c.sfd, wv, -1), EINVAL);
	CHECK_ERR(ff_writev(c.sfd, wv, IOV_MAX + 1), EINVAL);
	CHECK_ERR(ff_write(c.sfd, NULL, 5), EFAULT);
	CHECK_ERR(ff_sendmsg(c.sfd, NULL, 0), EFAULT);
	CHECK_ERR(ff_recvmsg(c.sfd, NULL, 0), EFAULT);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* Zero lengths: read()/readv() of nothing is 0 on any socket (Linux's
 * sock_read_iter); a receive of nothing is 0 only when data is queued,
 * else what any receive would say; a send of nothing is 0 only where a
 * send could go. */
TEST(socket_zero_length_calls)
{
	struct conn c;
	char buf[8];
	int fd, n;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_read(fd, buf, 0), 0);
	CHECK_EQ(ff_readv(fd, NULL, 0), 0);
	CHECK_ERR(ff_recv(fd, buf, 0, 0), ENOTCONN);
	CHECK_ERR(ff_write(fd, buf, 0), EPIPE);
	CHECK_EQ(ff_close(fd), 0);
	ON(c.h.a);
	CHECK_EQ(ff_read(c.lfd, buf, 0), 0);
	CHECK_ERR(ff_recv(c.lfd, buf, 0, 0), ENOTCONN);
	CHECK_ERR(ff_write(c.lfd, buf, 0), EPIPE);
	/* Connected, nothing queued. */
	ON(c.h.b);
	CHECK_EQ(ff_read(c.cfd, buf, 0), 0);
	CHECK_ERR(ff_recv(c.cfd, buf, 0, 0), EAGAIN);
	CHECK_EQ(ff_write(c.cfd, buf, 0), 0);
	CHECK_EQ(ff_writev(c.cfd, NULL, 0), 0);
	CHECK_EQ(ff_send(c.cfd, buf, 0, 0), 0);
	/* Data queued: 0, nothing taken. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "ab", 2), 2);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	CHECK_EQ(ff_recv(c.cfd, buf, 0, 0), 0);
	CHECK_EQ(ff_recv(c.cfd, buf, 0, MSG_PEEK), 0);
	CHECK_EQ(ff_ioctl(c.cfd, FIONREAD, &n), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 2);
	/* At EOF: 0.  Reset: the error once, then 0. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	CHECK_EQ(ff_recv(c.cfd, buf, 0, 0), 0);
	conn_reset_from_a(&c);
	ON(c.h.b);
	CHECK_ERR(ff_recv(c.cfd, buf, 0, 0), ECONNRESET);
	CHECK_EQ(ff_recv(c.cfd, buf, 0, 0), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(socket_recv_flags)
{
	struct conn c;
	char buf[16];
	int v;

	CONN_OPEN(&c, PORT, 0, NULL); /* a blocking client */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "hello", 5), 5);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	/* MSG_PEEK: copied, not taken. */
	CHECK_EQ(ff_recv(c.cfd, buf, 3, MSG_PEEK), 3);
	CHECK(memcmp(buf, "hel", 3) == 0);
	CHECK_EQ(ff_recv(c.cfd, buf, sizeof(buf), MSG_PEEK), 5);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	/* Nothing queued: EAGAIN with MSG_DONTWAIT, and without it too on a
	 * blocking socket (nothing blocks: ff_socket.c). */
	CHECK_ERR(ff_recv(c.cfd, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_ERR(ff_recv(c.cfd, buf, sizeof(buf), 0), EAGAIN);
	/* MSG_WAITALL on a blocking socket: EAGAIN, nothing taken, until the
	 * whole request is there (fastack's stand-in for blocking, see
	 * ff_socket.c); then all of it. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "abc", 3), 3);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_ERR(ff_recv(c.cfd, buf, 10, MSG_WAITALL), EAGAIN);
	CHECK_EQ(ff_ioctl(c.cfd, FIONREAD, &v), 0);
	CHECK_EQ(v, 3);
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "defghij", 7), 7);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_EQ(ff_recv(c.cfd, buf, 10, MSG_WAITALL), 10);
	CHECK(memcmp(buf, "abcdefghij", 10) == 0);
	/* Non-blocking (MSG_DONTWAIT, or O_NONBLOCK): what there is, as
	 * Linux. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "xyz", 3), 3);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_EQ(ff_recv(c.cfd, buf, 10, MSG_WAITALL | MSG_DONTWAIT), 3);
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "uvw", 3), 3);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	v = 1;
	CHECK_EQ(ff_ioctl(c.cfd, FIONBIO, &v), 0);
	CHECK_EQ(ff_recv(c.cfd, buf, 10, MSG_WAITALL), 3);
	v = 0;
	CHECK_EQ(ff_ioctl(c.cfd, FIONBIO, &v), 0);
	/* At EOF, a blocking MSG_WAITALL returns what is left, then 0. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "end", 3), 3);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_EQ(ff_recv(c.cfd, buf, 10, MSG_WAITALL), 3);
	CHECK_EQ(ff_recv(c.cfd, buf, 10, MSG_WAITALL), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* EPIPE where Linux says it, and never a signal: the handler fails the
 * test if SIGPIPE ever comes. */
static void sigpipe_fails(int sig)
{
	(void)sig;
	harness_fail(__FILE__, __LINE__, "SIGPIPE raised");
}

TEST(socket_epipe_without_sigpipe)
{
	struct sigaction sa, old;
	struct conn c;
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd, c2, s2;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sigpipe_fails;
	CHECK_EQ(sigaction(SIGPIPE, &sa, &old), 0);
	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	/* Never connected, and a listener: EPIPE (Linux's
	 * sk_stream_wait_connect), an empty write too. */
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_write(fd, "x", 1), EPIPE);
	CHECK_ERR(ff_write(fd, "x", 0), EPIPE);
	CHECK_ERR(ff_send(fd, "x", 1, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ(ff_close(fd), 0);
	ON(c.h.a);
	CHECK_ERR(ff_write(c.lfd, "x", 1), EPIPE);
	/* Shut down for writing: every way of sending. */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	CHECK_ERR(ff_write(c.cfd, "x", 1), EPIPE);
	CHECK_ERR(ff_write(c.cfd, "x", 0), EPIPE);
	CHECK_ERR(ff_send(c.cfd, "x", 1, 0), EPIPE);
	CHECK_ERR(ff_writev(c.cfd, &iov, 1), EPIPE);
	CHECK_ERR(ff_sendmsg(c.cfd, &m, 0), EPIPE);
	CHECK_ERR(ff_send(c.cfd, "x", 1, MSG_NOSIGNAL), EPIPE);
	/* Reset by the peer: ECONNRESET once, then EPIPE. */
	CONN_MORE(&c, &c2, &s2);
	reset_from_a(&c.h, s2);
	ON(c.h.b);
	CHECK_ERR(ff_write(c2, "x", 1), ECONNRESET);
	CHECK_ERR(ff_write(c2, "x", 1), EPIPE);
	CHECK_ERR(ff_sendmsg(c2, &m, MSG_NOSIGNAL), EPIPE);
	CHECK_EQ(ff_close(c2), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
	CHECK_EQ(sigaction(SIGPIPE, &old, NULL), 0);
}

/* getsockname/getpeername: the peer only while connected (not while
 * connecting, not once the connection is over, TIME_WAIT included); the
 * local address from bind or connect on, kept after the end. */
static int name_of(int fd, bool peer, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int rc;

	memset(a, 0x55, sizeof(*a));
	rc = peer ? ff_getpeername(fd, (struct linux_sockaddr *)a, &len)
	          : ff_getsockname(fd, (struct linux_sockaddr *)a, &len);
	if (rc != 0)
		return -errno;
	return len == sizeof(*a) && a->sin_family == AF_INET ? 0 : -1000;
}

#define NAME_IS(fd, peer, ip, port)                                               \
	do {                                                                      \
		struct sockaddr_in n_;                                            \
		int r_ = name_of((fd), (peer), &n_), p_ = (int)(port);            \
		CHECK(r_ == 0 && n_.sin_addr.s_addr == ((ip) ? h_ip4(ip) : 0) &&  \
		          (p_ < 0 ? n_.sin_port != 0 : ntohs(n_.sin_port) == p_), \
		      "%s of %s: %d, %s:%u", (peer) ? "peer" : "name", #fd, r_,   \
		      inet_ntoa(n_.sin_addr), ntohs(n_.sin_port));                \
	} while (0)
#define NO_PEER(fd) CHECK_EQ(name_of((fd), true, &(struct sockaddr_in){ 0 }), -ENOTCONN)

TEST(socket_names_by_state)
{
	struct conn c;
	struct sockaddr_in a, cl;
	socklen_t len;
	int fd, x, sx, r, c2, s2, ep;
	uint16_t cport;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	NAME_IS(fd, false, NULL, 0);
	NO_PEER(fd);
	CHECK_EQ(ff_bind(fd, sin4(&a, B_IP, 7001), sizeof(a)), 0);
	NAME_IS(fd, false, B_IP, 7001);
	NO_PEER(fd);
	x = CONNECT_NB(&c.h, PORT); /* connecting */
	NAME_IS(x, false, B_IP, -1);
	NO_PEER(x);
	ON(c.h.a);
	NAME_IS(c.lfd, false, NULL, PORT);
	NO_PEER(c.lfd);
	/* Connected: both ends, each the other's. */
	ON(c.h.b);
	CHECK_EQ(name_of(c.cfd, false, &cl), 0);
	cport = ntohs(cl.sin_port);
	NAME_IS(c.cfd, false, B_IP, cport);
	NAME_IS(c.cfd, true, A_IP, PORT);
	ON(c.h.a);
	NAME_IS(c.sfd, false, A_IP, PORT);
	NAME_IS(c.sfd, true, B_IP, cport);
	/* The connecting one, once connected. */
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	sx = ff_accept(c.lfd, NULL, NULL);
	CHECK(sx >= 0);
	ON(c.h.b);
	NAME_IS(x, true, A_IP, PORT);
	/* Half-closed: still connected. */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	NAME_IS(c.sfd, true, B_IP, cport);
	ON(c.h.b);
	NAME_IS(c.cfd, true, A_IP, PORT);
	/* Over (b in TIME_WAIT, a closed): no peer, the name kept. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	NO_PEER(c.sfd);
	NAME_IS(c.sfd, false, A_IP, PORT);
	ON(c.h.b);
	NO_PEER(c.cfd);
	NAME_IS(c.cfd, false, B_IP, cport);
	/* Reset, refused: no peer, the name kept. */
	CONN_MORE(&c, &c2, &s2);
	reset_from_a(&c.h, s2);
	ON(c.h.b);
	NO_PEER(c2);
	NAME_IS(c2, false, B_IP, -1);
	r = REFUSED(&c.h, CLOSED_PORT);
	NO_PEER(r);
	NAME_IS(r, false, B_IP, -1);
	/* Lengths: a short buffer is cut, the length says the full size;
	 * negative EINVAL; NULL pointers EFAULT; EBADF, ENOTSOCK. */
	memset(&a, 0x55, sizeof(a));
	len = 8;
	CHECK_EQ(ff_getsockname(x, (struct linux_sockaddr *)&a, &len), 0);
	CHECK_EQ(len, sizeof(a));
	CHECK_EQ(a.sin_zero[0], 0x55);
	len = (socklen_t)-1;
	CHECK_ERR(ff_getsockname(x, (struct linux_sockaddr *)&a, &len), EINVAL);
	CHECK_ERR(ff_getpeername(x, (struct linux_sockaddr *)&a, &len), EINVAL);
	len = sizeof(a);
	CHECK_ERR(ff_getsockname(x, (struct linux_sockaddr *)&a, NULL), EFAULT);
	CHECK_ERR(ff_getsockname(x, NULL, &len), EFAULT);
	CHECK_ERR(ff_getpeername(999, (struct linux_sockaddr *)&a, &len), EBADF);
	ep = ff_epoll_create(1);
	CHECK_ERR(ff_getsockname(ep, (struct linux_sockaddr *)&a, &len), ENOTSOCK);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(ff_close(x), 0);
	CHECK_EQ(ff_close(r), 0);
	CHECK_EQ(ff_close(c2), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(sx), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(socket_fionread_fionbio)
{
	struct conn c;
	char buf[8];
	int fd, x, v = -1;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_ioctl(fd, FIONREAD, &v), 0);
	CHECK_EQ(v, 0);
	x = CONNECT_NB(&c.h, PORT);
	v = -1;
	CHECK_EQ(ff_ioctl(x, FIONREAD, &v), 0);
	CHECK_EQ(v, 0);
	ON(c.h.a);
	CHECK_ERR(ff_ioctl(c.lfd, FIONREAD, &v), EINVAL); /* a listener */
	/* Bytes queued, as they come and go; the peer's FIN is no byte. */
	CHECK_EQ(ff_write(c.sfd, "hello", 5), 5);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_ioctl(c.cfd, FIONREAD, &v), 0);
	CHECK_EQ(v, 5);
	CHECK_EQ(ff_read(c.cfd, buf, 2), 2);
	CHECK_EQ(ff_ioctl(c.cfd, FIONREAD, &v), 0);
	CHECK_EQ(v, 3);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 3);
	CHECK_EQ(ff_ioctl(c.cfd, FIONREAD, &v), 0);
	CHECK_EQ(v, 0);
	/* FIONBIO sets and clears O_NONBLOCK. */
	CHECK_EQ(ff_fcntl(c.cfd, F_GETFL), O_RDWR);
	v = 1;
	CHECK_EQ(ff_ioctl(c.cfd, FIONBIO, &v), 0);
	CHECK_EQ(ff_fcntl(c.cfd, F_GETFL), O_RDWR | O_NONBLOCK);
	v = 0;
	CHECK_EQ(ff_ioctl(c.cfd, FIONBIO, &v), 0);
	CHECK_EQ(ff_fcntl(c.cfd, F_GETFL), O_RDWR);
	CHECK_ERR(ff_ioctl(c.cfd, FIONBIO, NULL), EFAULT);
	CHECK_ERR(ff_ioctl(c.cfd, FIONREAD, NULL), EFAULT);
	CHECK_ERR(ff_ioctl(c.cfd, 0x5401 /* TCGETS */, &v), ENOTTY);
	CHECK_ERR(ff_ioctl(999, FIONREAD, &v), EBADF);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(ff_close(x), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(socket_shutdown_variants)
{
	struct conn c;
	struct sockaddr_in a;
	char buf[16];
	int fd, c2, s2, c3, s3, c4, c5, s5, v;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	/* Bad how, never connected, bound only. */
	CHECK_ERR(ff_shutdown(c.cfd, 3), EINVAL);
	CHECK_ERR(ff_shutdown(c.cfd, -1), EINVAL);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_shutdown(fd, SHUT_WR), ENOTCONN);
	CHECK_EQ(ff_bind(fd, sin4(&a, B_IP, 7002), sizeof(a)), 0);
	CHECK_ERR(ff_shutdown(fd, SHUT_RD), ENOTCONN);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_ERR(ff_shutdown(999, SHUT_RD), EBADF);

	/* SHUT_WR: the peer reads what was sent, then EOF; we still read;
	 * our writes EPIPE. */
	CHECK_EQ(ff_write(c.cfd, "req", 3), 3);
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	CHECK_ERR(ff_write(c.cfd, "x", 1), EPIPE);
	CHECK_ERR(ff_read(c.cfd, buf, sizeof(buf)), EAGAIN);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(ff_read(c.sfd, buf, sizeof(buf)), 3);
	CHECK_EQ(ff_read(c.sfd, buf, sizeof(buf)), 0);
	CHECK_EQ(ff_write(c.sfd, "resp", 4), 4);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 4);
	CHECK(memcmp(buf, "resp", 4) == 0);

	/* SHUT_RD: reads say 0 at once; what was queued and what comes
	 * later is discarded (FreeBSD's sorflush; Linux would still return
	 * it: see ff_socket.c); writing goes on. */
	CONN_MORE(&c, &c2, &s2);
	CHECK_EQ(ff_write(s2, "data", 4), 4);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c2, SHUT_RD), 0);
	CHECK_EQ(ff_read(c2, buf, sizeof(buf)), 0);
	CHECK_EQ(ff_ioctl(c2, FIONREAD, &v), 0);
	CHECK_EQ(v, 0);
	ON(c.h.a);
	CHECK_EQ(ff_write(s2, "more", 4), 4);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_EQ(ff_read(c2, buf, sizeof(buf)), 0);
	CHECK_EQ(ff_write(c2, "ok", 2), 2);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(ff_read(s2, buf, sizeof(buf)), 2);

	/* SHUT_RDWR: both; the peer sees EOF. */
	CONN_MORE(&c, &c3, &s3);
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c3, SHUT_RDWR), 0);
	CHECK_EQ(ff_read(c3, buf, sizeof(buf)), 0);
	CHECK_ERR(ff_write(c3, "x", 1), EPIPE);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(ff_read(s3, buf, sizeof(buf)), 0);
	/* Once the connection is over (TIME_WAIT or closed): ENOTCONN. */
	CHECK_EQ(ff_shutdown(s3, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_ERR(ff_shutdown(s3, SHUT_RDWR), ENOTCONN);
	ON(c.h.b);
	CHECK_ERR(ff_shutdown(c3, SHUT_RDWR), ENOTCONN);

	/* A listener: SHUT_WR does nothing; SHUT_RD stops it (Linux): what
	 * waits to be accepted is reset, accept says EINVAL, reads ENOTCONN,
	 * writes EPIPE; it may listen again. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.lfd, SHUT_WR), 0);
	c4 = CONNECT_NB(&c.h, PORT);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.lfd, SHUT_RD), 0);
	CHECK_ERR(ff_accept(c.lfd, NULL, NULL), EINVAL);
	CHECK_ERR(ff_read(c.lfd, buf, sizeof(buf)), ENOTCONN);
	CHECK_ERR(ff_write(c.lfd, "x", 1), EPIPE);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_ERR(ff_read(c4, buf, sizeof(buf)), ECONNRESET);
	ON(c.h.a);
	CHECK_EQ(ff_listen(c.lfd, 4), 0);
	CONN_MORE(&c, &c5, &s5);

	CHECK_EQ(ff_close(s2), 0);
	CHECK_EQ(ff_close(s3), 0);
	CHECK_EQ(ff_close(s5), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(c2), 0);
	CHECK_EQ(ff_close(c3), 0);
	CHECK_EQ(ff_close(c4), 0);
	CHECK_EQ(ff_close(c5), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* Close with SO_LINGER 0: a RST at once, no TIME_WAIT; the peer sees
 * ECONNRESET (then EOF), EPIPE on writes.  A negative linger time is no
 * abort: a FIN, the peer sees EOF. */
TEST(socket_close_linger_zero_resets_peer)
{
	struct conn c;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint64_t rst;
	char buf[8];
	unsigned conns;
	int c2, s2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
	conns = tcp_conn_count(c.h.a);
	rst = c.h.a->stats.tcp.tcps_sndrst;
	CHECK_EQ(ff_setsockopt(c.sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ff_close(c.sfd), 0);
	c.sfd = -1;
	CHECK_EQ(c.h.a->stats.tcp.tcps_sndrst - rst, 1);
	CHECK_EQ(tcp_conn_count(c.h.a), conns - 1);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IOH_ERR);
	CHECK_ERR(ff_read(c.cfd, buf, sizeof(buf)), ECONNRESET);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 0);
	CHECK_ERR(ff_write(c.cfd, "x", 1), EPIPE);
	CHECK_EQ(so_error(c.cfd), 0);

	CONN_MORE(&c, &c2, &s2);
	ON(c.h.a);
	lg.l_linger = -5;
	rst = c.h.a->stats.tcp.tcps_sndrst;
	CHECK_EQ(ff_setsockopt(s2, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ff_close(s2), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_read(c2, buf, sizeof(buf)), 0);
	CHECK_EQ(c.h.a->stats.tcp.tcps_sndrst, rst);
	CHECK_EQ(ff_close(c2), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
