/* test_tcp_sockopt.c: socket options of TCP sockets through
 * ff_setsockopt/ff_getsockopt: defaults, set/get round trips, what each
 * does on the wire or to behaviour, and the errno of every misuse (bad
 * values and lengths, unknown options and levels, NULL pointers, bad
 * descriptors).
 *
 * Expected values are Linux's, with fastack's documented choices (see the
 * header comment of src/api/ff_socket.c): SO_RCVBUF/SO_SNDBUF keep the
 * value set (not doubled, 2048 at least, ENOBUFS beyond
 * kern.ipc.maxsockbuf), defaults come from the FreeBSD-named knobs
 * (net.inet.tcp.sendspace, .recvspace, .keepidle, .keepintvl, .keepcnt,
 * .mssdflt, .cc.algorithm), and SO_LINGER with a time never blocks.
 */
#include "test_tcp_sock.h"

#include "stack/knobs.h"
#include "tcp/tcp.h"

#define PORT 8080
#define IOH_ERR (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP | EPOLLERR)

static int geti(int fd, int level, int name)
{
	int v = -7;
	socklen_t len = sizeof(v);

	if (ff_getsockopt(fd, level, name, &v, &len) != 0)
		return -1000 - errno;
	return len == sizeof(v) ? v : -2000;
}

static int seti(int fd, int level, int name, int v)
{
	return ff_setsockopt(fd, level, name, &v, sizeof(v));
}

/* Sets v and expects getsockopt to say got. */
#define ROUND_TRIP(fd, level, name, v, got)                    \
	do {                                                   \
		CHECK_EQ(seti((fd), (level), (name), (v)), 0); \
		CHECK_EQ(geti((fd), (level), (name)), (got));  \
	} while (0)

static void knobs_default(int64_t *k)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		k[i] = knob_table[i].def;
}

/* ---- SOL_SOCKET ---- */

TEST(sockopt_socket_level_defaults_and_round_trips)
{
	struct h_pair h;
	struct linger lg;
	socklen_t len;
	int fd;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_ERROR), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_REUSEADDR), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_REUSEPORT), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_KEEPALIVE), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_RCVBUF), KNOB(h.b, TCP_RECVSPACE));
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_SNDBUF), KNOB(h.b, TCP_SENDSPACE));
	len = sizeof(lg);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(len == sizeof(lg) && lg.l_onoff == 0 && lg.l_linger == 0);

	/* Booleans: any non-zero value is on, and reads back as 1. */
	ROUND_TRIP(fd, SOL_SOCKET, SO_REUSEADDR, 5, 1);
	ROUND_TRIP(fd, SOL_SOCKET, SO_REUSEADDR, -1, 1);
	ROUND_TRIP(fd, SOL_SOCKET, SO_REUSEADDR, 0, 0);
	ROUND_TRIP(fd, SOL_SOCKET, SO_REUSEPORT, 7, 1);
	ROUND_TRIP(fd, SOL_SOCKET, SO_REUSEPORT, 0, 0);
	ROUND_TRIP(fd, SOL_SOCKET, SO_KEEPALIVE, 3, 1);
	ROUND_TRIP(fd, SOL_SOCKET, SO_KEEPALIVE, 0, 0);

	/* Buffers keep the value set (not doubled; FreeBSD), 1 byte at
	 * least (0 or a negative value: EINVAL, FreeBSD's sosetopt); beyond
	 * sb_max_adj (kern.ipc.maxsockbuf * 2048 / 2304) ENOBUFS, the value
	 * unchanged. */
	ROUND_TRIP(fd, SOL_SOCKET, SO_RCVBUF, 10000, 10000);
	ROUND_TRIP(fd, SOL_SOCKET, SO_SNDBUF, 12345, 12345);
	ROUND_TRIP(fd, SOL_SOCKET, SO_RCVBUF, 1, 1);
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_RCVBUF, 0), EINVAL);
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_SNDBUF, -5), EINVAL);
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_RCVBUF, (int)stack_sb_max_adj(h.b) + 1), ENOBUFS);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_RCVBUF), 1);
	ROUND_TRIP(fd, SOL_SOCKET, SO_SNDBUF, (int)stack_sb_max_adj(h.b),
	           (int)stack_sb_max_adj(h.b));

	/* SO_LINGER: l_onoff reads back as 0/1; turning it off keeps the
	 * time (Linux); a negative time is kept as given (it is no abort). */
	lg = (struct linger){ .l_onoff = 1, .l_linger = 5 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	lg = (struct linger){ .l_onoff = 0, .l_linger = 9 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	len = sizeof(lg);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 0 && lg.l_linger == 5, "{%d, %d}", lg.l_onoff, lg.l_linger);
	lg = (struct linger){ .l_onoff = 3, .l_linger = 7 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 1 && lg.l_linger == 7, "{%d, %d}", lg.l_onoff, lg.l_linger);
	lg = (struct linger){ .l_onoff = 1, .l_linger = -5 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 1 && lg.l_linger == -5, "{%d, %d}", lg.l_onoff, lg.l_linger);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)), EINVAL);

	/* Read-only options. */
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_TYPE, 1), ENOPROTOOPT);
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_ACCEPTCONN, 1), ENOPROTOOPT);
	CHECK_ERR(seti(fd, SOL_SOCKET, SO_ERROR, 1), ENOPROTOOPT);
	CHECK_EQ(ff_close(fd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* getsockopt copies at most the length given and says what it copied
 * (Linux): a short buffer is no error. */
TEST(sockopt_getsockopt_lengths)
{
	struct h_pair h;
	unsigned char b[64];
	socklen_t len;
	int fd;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(seti(fd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
#define GET_LEN(level, name, inlen, outlen)                                            \
	do {                                                                           \
		memset(b, 0xee, sizeof(b));                                            \
		len = (inlen);                                                         \
		CHECK_EQ(ff_getsockopt(fd, (level), (name), b, &len), 0);              \
		CHECK_EQ(len, (outlen));                                               \
		CHECK(b[outlen] == 0xee, "%s: byte %d written", #name, (int)(outlen)); \
	} while (0)
	GET_LEN(SOL_SOCKET, SO_TYPE, 2, 2);
	CHECK(b[0] == SOCK_STREAM && b[1] == 0);
	GET_LEN(SOL_SOCKET, SO_TYPE, 0, 0);
	GET_LEN(SOL_SOCKET, SO_TYPE, 8, 4);
	GET_LEN(SOL_SOCKET, SO_ERROR, 2, 2);
	GET_LEN(SOL_SOCKET, SO_LINGER, 4, 4);
	GET_LEN(SOL_SOCKET, SO_LINGER, 16, (socklen_t)sizeof(struct linger));
	GET_LEN(SOL_SOCKET, SO_RCVTIMEO, 4, 4);
	GET_LEN(IPPROTO_TCP, TCP_NODELAY, 2, 2);
	CHECK(b[0] == 1 && b[1] == 0);
	GET_LEN(IPPROTO_TCP, TCP_NODELAY, 8, 4);
	GET_LEN(IPPROTO_TCP, TCP_INFO, 8, 8);
	CHECK_EQ(b[0], 7); /* tcpi_state: TCP_CLOSE */
	/* TCP_CONGESTION: Linux's 16 bytes (TCP_CA_NAME_MAX), zero-padded. */
	GET_LEN(IPPROTO_TCP, TCP_CONGESTION, 64, 16);
	CHECK(strcmp((char *)b, tcp_cc_name((int)KNOB(h.b, TCP_CC))) == 0, "%s", (char *)b);
	CHECK_EQ(b[15], 0);
	GET_LEN(IPPROTO_TCP, TCP_CONGESTION, 3, 3);
	CHECK(memcmp(b, tcp_cc_name((int)KNOB(h.b, TCP_CC)), 3) == 0);
#undef GET_LEN
	/* A NULL buffer with no room is fine; with room EFAULT; a NULL
	 * length EFAULT; a negative one EINVAL. */
	len = 0;
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), 0);
	CHECK_EQ(ff_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, &len), 0);
	len = 4;
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, &len), EFAULT);
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, b, NULL), EFAULT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, b, NULL), EFAULT);
	len = (socklen_t)-1;
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, b, &len), EINVAL);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, b, &len), EINVAL);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, TCP_INFO, b, &len), EINVAL);
	CHECK_EQ(ff_close(fd), 0);
	T_PAIR_TEARDOWN(&h);
}

TEST(sockopt_misuse_errno)
{
	struct h_pair h;
	socklen_t len = sizeof(int);
	long long big = 1;
	int fd, ep, v = 1;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	ep = ff_epoll_create(1);
	/* Unknown options: ENOPROTOOPT. */
	CHECK_ERR(seti(fd, SOL_SOCKET, 9999, 1), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
	CHECK_ERR(seti(fd, IPPROTO_TCP, 9999, 1), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, 9999, &v, &len), ENOPROTOOPT);
	CHECK_ERR(seti(fd, IPPROTO_IP, 9999, 1), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_IP, 9999, &v, &len), ENOPROTOOPT);
	/* Levels TCP does not know: ENOPROTOOPT to set, EOPNOTSUPP to get
	 * (Linux's ip_setsockopt / ip_getsockopt). */
	CHECK_ERR(seti(fd, 12345, 1, 1), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, 12345, 1, &v, &len), EOPNOTSUPP);
	CHECK_ERR(seti(fd, IPPROTO_UDP, 1, 1), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_UDP, 1, &v, &len), EOPNOTSUPP);
	/* Lengths: shorter than an int EINVAL (0 too); negative EINVAL;
	 * longer is fine (the first int is read). */
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, 0), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, (socklen_t)-1), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, 2), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, (socklen_t)-1), EINVAL);
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &big, sizeof(big)), 0);
	CHECK_EQ(geti(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	/* NULL values: EFAULT with a length, EINVAL without. */
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 4), EFAULT);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, NULL, 0), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, 4), EFAULT);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, NULL, 0), EINVAL);
	/* Descriptors: EBADF before any other check; not a socket ENOTSOCK. */
	CHECK_ERR(ff_setsockopt(999, IPPROTO_TCP, TCP_NODELAY, &v, (socklen_t)-1), EBADF);
	CHECK_ERR(seti(999, SOL_SOCKET, SO_KEEPALIVE, 1), EBADF);
	CHECK_ERR(ff_getsockopt(999, SOL_SOCKET, SO_KEEPALIVE, &v, &len), EBADF);
	CHECK_ERR(seti(ep, SOL_SOCKET, SO_KEEPALIVE, 1), ENOTSOCK);
	CHECK_ERR(ff_getsockopt(ep, SOL_SOCKET, SO_KEEPALIVE, &v, &len), ENOTSOCK);
	CHECK_ERR(ff_getsockopt(ep, IPPROTO_TCP, TCP_NODELAY, &v, &len), ENOTSOCK);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(fd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* SO_ERROR: the pending error, cleared by reading it (even into a short
 * buffer). */
TEST(sockopt_so_error_read_clears)
{
	struct h_pair h;
	socklen_t len = 2;
	short e = 0;
	int r;

	h_pair_create(&h, NULL, NULL, NULL);
	r = REFUSED(&h, 9);
	CHECK_EQ(ff_getsockopt(r, SOL_SOCKET, SO_ERROR, &e, &len), 0);
	CHECK_EQ(e, ECONNREFUSED);
	CHECK_EQ(so_error(r), 0);
	CHECK_EQ(ff_close(r), 0);
	r = REFUSED(&h, 9);
	CHECK_EQ(so_error(r), ECONNREFUSED);
	CHECK_EQ(so_error(r), 0);
	CHECK_EQ(ff_close(r), 0);
	T_PAIR_TEARDOWN(&h);
}

TEST(sockopt_so_acceptconn)
{
	struct conn c;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.a);
	CHECK_EQ(geti(c.lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CHECK_EQ(geti(c.sfd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	CHECK_EQ(ff_shutdown(c.lfd, SHUT_WR), 0); /* no effect on a listener */
	CHECK_EQ(geti(c.lfd, SOL_SOCKET, SO_ACCEPTCONN), 1);
	CHECK_EQ(ff_shutdown(c.lfd, SHUT_RD), 0); /* stops it */
	CHECK_EQ(geti(c.lfd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	ON(c.h.b);
	CHECK_EQ(geti(c.cfd, SOL_SOCKET, SO_ACCEPTCONN), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* SO_REUSEADDR on bind (Linux's rules): a listener's port is never shared;
 * a port held by a connection (accepted, or in TIME_WAIT) is shared only
 * with SO_REUSEADDR; two bound sockets with SO_REUSEADDR may share a port
 * until one listens. */
TEST(sockopt_reuseaddr_bind_rules)
{
	struct conn c;
	struct sockaddr_in a;
	int x, y;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.a);
	x = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), EADDRINUSE);
	CHECK_EQ(seti(x, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_close(x), 0);
	/* The listener gone, the accepted connection still holds the port. */
	CHECK_EQ(ff_close(c.lfd), 0);
	c.lfd = -1;
	x = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_close(x), 0);
	x = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(seti(x, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CHECK_EQ(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), 0);
	CHECK_EQ(ff_listen(x, 4), 0);
	CHECK_EQ(ff_close(x), 0);
	/* a closes first: its end waits in TIME_WAIT on the port. */
	CHECK_EQ(ff_close(c.sfd), 0);
	c.sfd = -1;
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	CHECK_EQ(ff_close(c.cfd), 0);
	c.cfd = -1;
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(tcp_conn_count(c.h.a), 1); /* the TIME_WAIT */
	x = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), EADDRINUSE);
	CHECK_EQ(seti(x, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CHECK_EQ(ff_bind(x, sin4(&a, NULL, PORT), sizeof(a)), 0);
	/* Another one with SO_REUSEADDR on the same port: bound, but only
	 * one of them may listen. */
	y = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(seti(y, SOL_SOCKET, SO_REUSEADDR, 1), 0);
	CHECK_EQ(ff_bind(y, sin4(&a, NULL, PORT), sizeof(a)), 0);
	CHECK_EQ(ff_listen(x, 4), 0);
	CHECK_ERR(ff_listen(y, 4), EADDRINUSE);
	/* Binding twice, or with a short address: EINVAL. */
	CHECK_ERR(ff_bind(x, sin4(&a, NULL, PORT + 1), sizeof(a)), EINVAL);
	CHECK_ERR(ff_bind(y, sin4(&a, NULL, PORT + 1), 8), EINVAL);
	CHECK_EQ(ff_close(x), 0);
	CHECK_EQ(ff_close(y), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* SO_REUSEPORT: listeners that all set it share a port; one that did not
 * cannot join them.  Connections go to one of them. */
TEST(sockopt_reuseport_listeners)
{
	struct h_pair h;
	struct sockaddr_in a;
	int l1, l2, l3, cfd, s1, s2;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.a);
	l1 = ff_socket(AF_INET, SOCK_STREAM, 0);
	l2 = ff_socket(AF_INET, SOCK_STREAM, 0);
	l3 = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(seti(l1, SOL_SOCKET, SO_REUSEPORT, 1), 0);
	CHECK_EQ(seti(l2, SOL_SOCKET, SO_REUSEPORT, 1), 0);
	CHECK_EQ(ff_bind(l1, sin4(&a, NULL, PORT), sizeof(a)), 0);
	CHECK_EQ(ff_listen(l1, 4), 0);
	CHECK_EQ(ff_bind(l2, sin4(&a, NULL, PORT), sizeof(a)), 0);
	CHECK_EQ(ff_listen(l2, 4), 0);
	CHECK_ERR(ff_bind(l3, sin4(&a, NULL, PORT), sizeof(a)), EADDRINUSE);
	cfd = CONNECT_NB(&h, PORT);
	h_pair_run_ms(&h, 5);
	ON(h.a);
	s1 = ff_accept(l1, NULL, NULL);
	s2 = ff_accept(l2, NULL, NULL);
	CHECK((s1 >= 0) != (s2 >= 0), "accepted on l1: %d, l2: %d", s1, s2);
	CHECK_EQ(ff_close(s1 >= 0 ? s1 : s2), 0);
	CHECK_EQ(ff_close(l1), 0);
	CHECK_EQ(ff_close(l2), 0);
	CHECK_EQ(ff_close(l3), 0);
	ON(h.b);
	CHECK_EQ(ff_close(cfd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* SO_SNDBUF bounds what a write takes; SO_RCVBUF (set on the listener and
 * inherited) bounds what the peer may send before we read (the window). */
TEST(sockopt_buffers_bound_the_data)
{
	static char buf[65536];
	struct h_pair h;
	struct sockaddr_in a;
	int lfd, cfd, sfd, n;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.a);
	lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(seti(lfd, SOL_SOCKET, SO_RCVBUF, 4096), 0);
	CHECK_EQ(ff_bind(lfd, sin4(&a, NULL, PORT), sizeof(a)), 0);
	CHECK_EQ(ff_listen(lfd, 4), 0);
	cfd = CONNECT_NB(&h, PORT);
	h_pair_run_ms(&h, 5);
	/* Set once connected: kept exactly (before, it would be rounded up
	 * to whole segments when the MSS is learnt, tcp_buf_round). */
	CHECK_EQ(seti(cfd, SOL_SOCKET, SO_SNDBUF, 6000), 0);
	ON(h.a);
	sfd = ff_accept(lfd, NULL, NULL);
	CHECK(sfd >= 0);
	/* The listener's 4096, rounded up to 3 segments of 1460 when the
	 * connection was established (FreeBSD's tcp_mss via syncache_socket). */
	CHECK_EQ(geti(sfd, SOL_SOCKET, SO_RCVBUF), 4380);
	ON(h.b);
	CHECK_EQ(ff_write(cfd, buf, sizeof(buf)), 6000);
	CHECK_ERR(ff_write(cfd, buf, 1), EAGAIN);
	/* Never more queued than the receive buffer (the window), and all of
	 * it comes as we read. */
	for (int total = 0, rounds = 0; total < 6000 && rounds < 10; rounds++) {
		h_pair_run_ms(&h, 300);
		ON(h.a);
		CHECK_EQ(ff_ioctl(sfd, FIONREAD, &n), 0);
		CHECK(n > 0 && n <= 4380, "%d bytes queued", n);
		CHECK_EQ(ff_read(sfd, buf, sizeof(buf)), n);
		total += n;
		CHECK(total <= 6000);
	}
	CHECK_EQ(ff_ioctl(sfd, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	ON(h.b);
	EXPECT_KEV(cfd, EVFILT_WRITE, false, 0, 6000); /* all acknowledged */
	ON(h.a);
	CHECK_EQ(ff_close(sfd), 0);
	CHECK_EQ(ff_close(lfd), 0);
	ON(h.b);
	CHECK_EQ(ff_close(cfd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* ---- IPPROTO_TCP ---- */

/* TCP_NODELAY: a small segment waits for the ACK of the one in flight
 * (Nagle) unless it is set; setting it sends what waits. */
TEST(sockopt_tcp_nodelay)
{
	struct conn c;
	uint64_t sent;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	CHECK_EQ(geti(c.cfd, IPPROTO_TCP, TCP_NODELAY), 0);
	ROUND_TRIP(c.cfd, IPPROTO_TCP, TCP_NODELAY, 7, 1);
	ROUND_TRIP(c.cfd, IPPROTO_TCP, TCP_NODELAY, -1, 1);
	ROUND_TRIP(c.cfd, IPPROTO_TCP, TCP_NODELAY, 0, 0);
	sent = c.h.b->stats.tcp.tcps_sndpack;
	CHECK_EQ(ff_write(c.cfd, "a", 1), 1);
	CHECK_EQ(ff_write(c.cfd, "b", 1), 1);
	CHECK_EQ(c.h.b->stats.tcp.tcps_sndpack - sent, 1); /* "b" waits */
	CHECK_EQ(seti(c.cfd, IPPROTO_TCP, TCP_NODELAY, 1), 0);
	CHECK_EQ(c.h.b->stats.tcp.tcps_sndpack - sent, 2); /* now it is out */
	CHECK_EQ(ff_write(c.cfd, "c", 1), 1);
	CHECK_EQ(c.h.b->stats.tcp.tcps_sndpack - sent, 3); /* at once */
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* TCP_MAXSEG: Linux's range (88..32767, 0 takes a value set back); before
 * the connection, the value set (or net.inet.tcp.mssdflt, Linux's 536
 * too); set before connect, it is the MSS announced, so the peer's
 * segments are no larger (less the timestamp option). */
TEST(sockopt_tcp_maxseg)
{
	struct conn c;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int x, s2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	x = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(geti(x, IPPROTO_TCP, TCP_MAXSEG), KNOB(c.h.b, TCP_MSSDFLT));
	CHECK_EQ(geti(x, IPPROTO_TCP, TCP_MAXSEG), 536);
	CHECK_ERR(seti(x, IPPROTO_TCP, TCP_MAXSEG, 87), EINVAL);
	CHECK_ERR(seti(x, IPPROTO_TCP, TCP_MAXSEG, 32768), EINVAL);
	CHECK_ERR(seti(x, IPPROTO_TCP, TCP_MAXSEG, -1), EINVAL);
	ROUND_TRIP(x, IPPROTO_TCP, TCP_MAXSEG, 88, 88);
	ROUND_TRIP(x, IPPROTO_TCP, TCP_MAXSEG, 32767, 32767);
	ROUND_TRIP(x, IPPROTO_TCP, TCP_MAXSEG, 0, 536);
	ROUND_TRIP(x, IPPROTO_TCP, TCP_MAXSEG, 500, 500);
	{
		struct sockaddr_in a;

		CHECK_ERR(ff_connect(x, sin4(&a, A_IP, PORT), sizeof(a)), EINPROGRESS);
	}
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	s2 = ff_accept(c.lfd, NULL, NULL);
	CHECK(s2 >= 0);
	CHECK_EQ(ff_getsockopt(s2, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	CHECK_EQ(ti.tcpi_snd_mss, 500 - 12);
	CHECK_EQ(geti(s2, IPPROTO_TCP, TCP_MAXSEG), 500 - 12);
	/* The unrestricted connection uses the link's. */
	CHECK_EQ(geti(c.sfd, IPPROTO_TCP, TCP_MAXSEG), 1448);
	CHECK_EQ(ff_close(s2), 0);
	ON(c.h.b);
	CHECK(geti(x, IPPROTO_TCP, TCP_MAXSEG) <= 500, "%d", geti(x, IPPROTO_TCP, TCP_MAXSEG));
	CHECK_EQ(ff_close(x), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* TCP_KEEPIDLE/KEEPINTVL/KEEPCNT: Linux's ranges; the defaults are the
 * knobs (FreeBSD's 7200 s, 75 s, 8 probes). */
TEST(sockopt_tcp_keepalive_values)
{
	struct h_pair h;
	int fd;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPIDLE), KNOB(h.b, TCP_KEEPIDLE) / 1000);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPINTVL), KNOB(h.b, TCP_KEEPINTVL) / 1000);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPCNT), KNOB(h.b, TCP_KEEPCNT));
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPIDLE), 7200);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPINTVL), 75);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_KEEPCNT), 8);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, 0), EINVAL);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32768), EINVAL);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPIDLE, -1), EINVAL);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_KEEPIDLE, 32767, 32767);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPINTVL, 0), EINVAL);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPINTVL, 32768), EINVAL);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5, 5);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPCNT, 0), EINVAL);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_KEEPCNT, 128), EINVAL);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_KEEPCNT, 127, 127);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_KEEPCNT, 3, 3);
	CHECK_EQ(ff_close(fd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* TCP_USER_TIMEOUT (ms): Linux's values, 0 when unset (the connection then
 * follows net.inet.tcp.maxunacktime), a negative value EINVAL; what it does
 * is in test_tcp_defence. */
TEST(sockopt_tcp_user_timeout_values)
{
	struct h_pair h;
	int fd;

	h_pair_create(&h, NULL, NULL, NULL);
	ON(h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(geti(fd, IPPROTO_TCP, TCP_USER_TIMEOUT), 0);
	CHECK_ERR(seti(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, -1), EINVAL);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 30000, 30000);
	ROUND_TRIP(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, 0, 0);
	CHECK_EQ(ff_close(fd), 0);
	T_PAIR_TEARDOWN(&h);
}

/* With net.inet.tcp.always_keepalive off (Linux's way), only SO_KEEPALIVE
 * connections probe: after TCP_KEEPIDLE idle seconds, TCP_KEEPCNT probes
 * TCP_KEEPINTVL apart; unanswered, the connection ends with ETIMEDOUT. */
TEST(sockopt_keepalive_probes_then_timeout)
{
	int64_t k[KNOB_COUNT];
	struct conn c;
	uint64_t probes;
	char buf[4];
	int quiet, qs;

	knobs_default(k);
	k[KNOB_TCP_ALWAYS_KEEPALIVE] = 0;
	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, k);
	CONN_MORE(&c, &quiet, &qs); /* no SO_KEEPALIVE: never probes */
	ON(c.h.b);
	CHECK_EQ(seti(c.cfd, SOL_SOCKET, SO_KEEPALIVE, 1), 0);
	CHECK_EQ(seti(c.cfd, IPPROTO_TCP, TCP_KEEPIDLE, 10), 0);
	CHECK_EQ(seti(c.cfd, IPPROTO_TCP, TCP_KEEPINTVL, 2), 0);
	CHECK_EQ(seti(c.cfd, IPPROTO_TCP, TCP_KEEPCNT, 3), 0);
	CHECK_EQ(seti(quiet, IPPROTO_TCP, TCP_KEEPIDLE, 10), 0);
	probes = c.h.b->stats.tcp.tcps_keepprobe;
	/* A peer that answers: probes, and the connection lives on. */
	h_pair_run_ms(&c.h, 10500);
	CHECK_EQ(c.h.b->stats.tcp.tcps_keepprobe - probes, 1);
	h_pair_run_ms(&c.h, 20000);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	/* A silent peer (a does not run): 3 probes, then ETIMEDOUT.  (Setting
	 * TCP_KEEPIDLE again restarts the idle time, as in Linux.) */
	ON(c.h.b);
	CHECK_EQ(seti(c.cfd, IPPROTO_TCP, TCP_KEEPIDLE, 10), 0);
	probes = c.h.b->stats.tcp.tcps_keepprobe;
	run_only(&c.h, c.h.b, 10500);
	CHECK_EQ(c.h.b->stats.tcp.tcps_keepprobe - probes, 1);
	run_only(&c.h, c.h.b, 5000); /* 15.5 s idle: 3 probes, not yet over */
	CHECK_EQ(c.h.b->stats.tcp.tcps_keepprobe - probes, 3);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	run_only(&c.h, c.h.b, 1000);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IOH_ERR);
	CHECK_ERR(ff_read(c.cfd, buf, sizeof(buf)), ETIMEDOUT);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 0);
	/* The other connection never probed. */
	EXPECT_LEVEL(quiet, EPOLLOUT);
	CHECK_EQ(c.h.b->stats.tcp.tcps_keepprobe - probes, 3);
	CHECK_EQ(ff_close(quiet), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(qs), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(sockopt_tcp_congestion)
{
	struct conn c;
	char nm[32];
	socklen_t len;
	int x, s2;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
#define CC_IS(fd, name)                                                                  \
	do {                                                                             \
		len = sizeof(nm);                                                        \
		memset(nm, 0x55, sizeof(nm));                                            \
		CHECK_EQ(ff_getsockopt((fd), IPPROTO_TCP, TCP_CONGESTION, nm, &len), 0); \
		CHECK_EQ(len, 16);                                                       \
		CHECK(strcmp(nm, (name)) == 0, "%s", nm);                                \
	} while (0)
	CC_IS(c.sfd, tcp_cc_name((int)KNOB(c.h.a, TCP_CC)));
	CHECK_EQ(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5), 0);
	CC_IS(c.sfd, "cubic");
	CHECK_EQ(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "newreno", 8), 0);
	CC_IS(c.sfd, "newreno");
	/* Only optlen bytes (at most 15) are the name. */
	CHECK_EQ(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "cubicX", 5), 0);
	CC_IS(c.sfd, "cubic");
	CHECK_ERR(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "cubiccubiccubiccubic", 20),
	          ENOENT);
	CHECK_ERR(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "bogus", 5), ENOENT);
	CHECK_ERR(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 0), EINVAL);
	CHECK_ERR(ff_setsockopt(c.sfd, IPPROTO_TCP, TCP_CONGESTION, NULL, 5), EFAULT);
	CC_IS(c.sfd, "cubic");
	/* An accepted connection has its listener's. */
	CHECK_EQ(ff_setsockopt(c.lfd, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5), 0);
	CONN_MORE(&c, &x, &s2);
	ON(c.h.a);
	CC_IS(s2, "cubic");
#undef CC_IS
	CHECK_EQ(ff_close(s2), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(x), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* TCP_INFO in Linux's struct tcp_info: the state by Linux's numbers as the
 * connection goes, options and window scales negotiated, the MSS, segments
 * in flight, retransmissions. */
TEST(sockopt_tcp_info)
{
	struct conn c;
	struct tcp_info ti;
	socklen_t len;
	static char buf[3000];
	int fd, x;

#define INFO(fd)                                                                    \
	do {                                                                        \
		len = sizeof(ti);                                                   \
		memset(&ti, 0xee, sizeof(ti));                                      \
		CHECK_EQ(ff_getsockopt((fd), IPPROTO_TCP, TCP_INFO, &ti, &len), 0); \
		CHECK_EQ(len, sizeof(ti));                                          \
	} while (0)
	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	INFO(fd);
	CHECK_EQ(ti.tcpi_state, 7); /* TCP_CLOSE */
	CHECK_EQ(ti.tcpi_options, 0);
	CHECK_EQ(ti.tcpi_unacked, 0);
	CHECK_EQ(ff_close(fd), 0);
	x = CONNECT_NB(&c.h, PORT);
	INFO(x);
	CHECK_EQ(ti.tcpi_state, 2); /* TCP_SYN_SENT */
	CHECK_EQ(ff_close(x), 0);
	ON(c.h.a);
	INFO(c.lfd);
	CHECK_EQ(ti.tcpi_state, 10); /* TCP_LISTEN */

	ON(c.h.b);
	INFO(c.cfd);
	CHECK_EQ(ti.tcpi_state, 1);           /* TCP_ESTABLISHED */
	CHECK_EQ(ti.tcpi_options, 1 | 2 | 4); /* timestamps, SACK, window scaling */
	CHECK(ti.tcpi_snd_wscale > 0 && ti.tcpi_rcv_wscale > 0, "%u/%u", ti.tcpi_snd_wscale,
	      ti.tcpi_rcv_wscale);
	CHECK_EQ(ti.tcpi_snd_mss, 1448);
	CHECK_EQ(ti.tcpi_advmss, 1460);
	CHECK(ti.tcpi_rto > 0);
	CHECK_EQ(ti.tcpi_unacked, 0);
	CHECK_EQ(ti.tcpi_total_retrans, 0);
	/* 3000 bytes with a silent peer: 3 segments in flight, then the RTO
	 * retransmits. */
	CHECK_EQ(ff_write(c.cfd, buf, sizeof(buf)), 3000);
	INFO(c.cfd);
	CHECK_EQ(ti.tcpi_unacked, 3);
	run_only(&c.h, c.h.b, 1500);
	ON(c.h.b);
	INFO(c.cfd);
	CHECK(ti.tcpi_retransmits >= 1 && ti.tcpi_total_retrans >= 1, "retransmits %u total %u",
	      ti.tcpi_retransmits, ti.tcpi_total_retrans);
	h_pair_run_ms(&c.h, 3000);
	ON(c.h.b);
	INFO(c.cfd);
	CHECK_EQ(ti.tcpi_unacked, 0);
	CHECK_EQ(ti.tcpi_retransmits, 0);
	CHECK(ti.tcpi_rtt > 0);

	/* Closing: FIN_WAIT_2 and CLOSE_WAIT, then TIME_WAIT reads as CLOSE
	 * (Linux's socket is closed once its connection waits there). */
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	INFO(c.cfd);
	CHECK_EQ(ti.tcpi_state, 5); /* TCP_FIN_WAIT2 */
	ON(c.h.a);
	INFO(c.sfd);
	CHECK_EQ(ti.tcpi_state, 8); /* TCP_CLOSE_WAIT */
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	INFO(c.sfd);
	CHECK_EQ(ti.tcpi_state, 9); /* TCP_LAST_ACK */
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	INFO(c.cfd);
	CHECK_EQ(ti.tcpi_state, 7); /* in TIME_WAIT */
	ON(c.h.a);
	INFO(c.sfd);
	CHECK_EQ(ti.tcpi_state, 7);
	/* A longer buffer: Linux's size (this layout's) comes back. */
	{
		char big[sizeof(ti) + 32];

		len = sizeof(big);
		CHECK_EQ(ff_getsockopt(c.sfd, IPPROTO_TCP, TCP_INFO, big, &len), 0);
		CHECK_EQ(len, sizeof(ti));
	}
#undef INFO
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
