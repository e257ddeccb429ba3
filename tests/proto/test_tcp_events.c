/* test_tcp_events.c: readiness of TCP sockets through epoll, kqueue, poll
 * and select, in every state a socket goes through: never connected,
 * bound, listening (with and without connections to accept), connecting,
 * connected, data queued, half-closed by the peer, shut down by us (each
 * way), closed both ways, reset, refused.
 *
 * epoll, poll and select give Linux's values (tcp_poll; select's
 * POLLIN_SET/POLLOUT_SET); edge-triggered and one-shot items are reported
 * as Linux reports them (once per wakeup; send space wakes an edge-
 * triggered writer only after it ran out of room).  kqueue gives
 * FreeBSD's (filt_soread/filt_sowrite: EV_EOF once a direction is closed,
 * fflags the socket error, data the bytes queued, the send space or a
 * listener's accept queue length; send low-water mark 2048).
 */
#include "test_tcp_sock.h"

#define PORT 8080
#define CLOSED_PORT 9

#define IOH (EPOLLIN | EPOLLOUT | EPOLLHUP | EPOLLRDHUP)
#define IORH (EPOLLIN | EPOLLOUT | EPOLLRDHUP)

/* Fresh epoll instance reporting for fd (interest ev): the count, events in
 * *out. */
static int ep_once(int ep, uint32_t *out)
{
	struct epoll_event e[4];
	int n = ff_epoll_wait(ep, e, 4, 0);

	*out = n > 0 ? e[0].events : 0;
	return n;
}

static int ep_new(int fd, uint32_t interest)
{
	struct epoll_event e = { .events = interest, .data.fd = fd };
	int ep = ff_epoll_create(1);

	CHECK(ep >= 0);
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e), 0);
	return ep;
}

/* The wait on ep reports want (0: nothing). */
#define EXPECT_WAIT(ep, want)                                                                   \
	do {                                                                                    \
		uint32_t got_;                                                                  \
		char g_[64], w_[64];                                                            \
		int n_ = ep_once((ep), &got_);                                                  \
		if (n_ != ((want) ? 1 : 0) || got_ != (uint32_t)(want))                         \
			harness_fail(__FILE__, __LINE__, "epoll_wait: %d, %s; expected %s", n_, \
			             ev_str(got_, g_, sizeof(g_)),                              \
			             ev_str((want), w_, sizeof(w_)));                           \
	} while (0)

/* ---- epoll levels, state by state ---- */

TEST(events_epoll_never_connected_bound_listening)
{
	struct conn c;
	struct sockaddr_in a;
	int fd, bd, c1, c2, s1, s2;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_LEVEL(fd, EPOLLOUT | EPOLLHUP); /* Linux: a fresh socket is OUT|HUP */
	bd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_bind(bd, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	EXPECT_LEVEL(bd, EPOLLOUT | EPOLLHUP);
	/* RDNORM/WRNORM when asked for. */
	CHECK_EQ(ep_level(fd, EPOLLRDNORM | EPOLLWRNORM), EPOLLWRNORM | EPOLLHUP);
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(ff_close(bd), 0);

	/* The listener is readable exactly while its accept queue holds a
	 * connection; never writable. */
	ON(c.h.a);
	EXPECT_LEVEL(c.lfd, 0);
	c1 = CONNECT_NB(&c.h, PORT);
	c2 = CONNECT_NB(&c.h, PORT);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	EXPECT_LEVEL(c.lfd, EPOLLIN);
	CHECK_EQ(ep_level(c.lfd, EPOLLIN | EPOLLRDNORM), EPOLLIN | EPOLLRDNORM);
	s1 = ff_accept(c.lfd, NULL, NULL);
	EXPECT_LEVEL(c.lfd, EPOLLIN);
	s2 = ff_accept(c.lfd, NULL, NULL);
	CHECK(s1 >= 0 && s2 >= 0);
	EXPECT_LEVEL(c.lfd, 0);
	/* A listener shut down for reading stops listening and is back to a
	 * never-connected socket: OUT|HUP (Linux's tcp_disconnect). */
	CHECK_EQ(ff_shutdown(c.lfd, SHUT_RD), 0);
	EXPECT_LEVEL(c.lfd, EPOLLOUT | EPOLLHUP);
	CHECK_EQ(ff_close(s1), 0);
	CHECK_EQ(ff_close(s2), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(c1), 0);
	CHECK_EQ(ff_close(c2), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_epoll_connecting_connected_data_peer_fin)
{
	struct conn c;
	char buf[16];
	int x;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	/* Connecting (the SYN waits in the link): nothing at all. */
	x = CONNECT_NB(&c.h, PORT);
	EXPECT_LEVEL(x, 0);
	CHECK_EQ(ep_level(x, 0), 0);
	CHECK_EQ(ff_close(x), 0);

	/* Connected, both ends: OUT. */
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	ON(c.h.a);
	EXPECT_LEVEL(c.sfd, EPOLLOUT);
	/* Data queued: IN|OUT. */
	CHECK_EQ(ff_write(c.sfd, "hello", 5), 5);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLIN | EPOLLOUT);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 5);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	/* The peer's FIN: IN|OUT|RDHUP, before and after EOF is read; an
	 * interest without RDHUP sees IN alone. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "xy", 2), 2);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IORH);
	CHECK_EQ(ep_level(c.cfd, EPOLLIN), EPOLLIN);
	CHECK_EQ(ep_level(c.cfd, 0), 0);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 2);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 0);
	EXPECT_LEVEL(c.cfd, IORH);
	/* The end that sent the FIN (FIN_WAIT_2): OUT only. */
	ON(c.h.a);
	EXPECT_LEVEL(c.sfd, EPOLLOUT);
	/* Both ways closed: IN|OUT|HUP|RDHUP on both ends (the one in
	 * TIME_WAIT too). */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IOH);
	ON(c.h.a);
	EXPECT_LEVEL(c.sfd, IOH);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_epoll_shutdown_by_us)
{
	struct conn c;
	int c2, s2, c3, s3;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	/* SHUT_WR: OUT (a write fails at once with EPIPE); the peer sees the
	 * FIN. */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c.cfd, SHUT_WR), 0);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	ON(c.h.a);
	EXPECT_LEVEL(c.sfd, IORH);

	/* SHUT_RD: IN|OUT|RDHUP; the peer sees nothing. */
	CONN_MORE(&c, &c2, &s2);
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c2, SHUT_RD), 0);
	EXPECT_LEVEL(c2, IORH);
	/* ... and SHUT_WR as well: closed both ways, IN|OUT|HUP|RDHUP. */
	CHECK_EQ(ff_shutdown(c2, SHUT_WR), 0);
	EXPECT_LEVEL(c2, IOH);
	ON(c.h.a);
	EXPECT_LEVEL(s2, EPOLLOUT);

	/* SHUT_RDWR at once: IN|OUT|HUP|RDHUP; the peer IN|OUT|RDHUP. */
	CONN_MORE(&c, &c3, &s3);
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(c3, SHUT_RDWR), 0);
	EXPECT_LEVEL(c3, IOH);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_LEVEL(c3, IOH);
	ON(c.h.a);
	EXPECT_LEVEL(s3, IORH);
	EXPECT_LEVEL(s2, IORH); /* c2's FIN arrived too */

	CHECK_EQ(ff_close(s2), 0);
	CHECK_EQ(ff_close(s3), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(c2), 0);
	CHECK_EQ(ff_close(c3), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_epoll_reset_and_refused)
{
	struct conn c;
	int r;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	conn_reset_from_a(&c);
	/* Reset: everything, ERR until the error is read; ERR and HUP are
	 * reported even to an item that asked for nothing. */
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, IOH | EPOLLERR);
	CHECK_EQ(ep_level(c.cfd, 0), EPOLLERR | EPOLLHUP);
	CHECK_EQ(so_error(c.cfd), ECONNRESET);
	EXPECT_LEVEL(c.cfd, IOH);
	CHECK_EQ(ep_level(c.cfd, 0), EPOLLHUP);

	/* Refused: the same. */
	r = REFUSED(&c.h, CLOSED_PORT);
	EXPECT_LEVEL(r, IOH | EPOLLERR);
	CHECK_EQ(so_error(r), ECONNREFUSED);
	EXPECT_LEVEL(r, IOH);
	CHECK_EQ(ff_close(r), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* EPOLLOUT as Linux's sk_stream_is_writeable: the free send space must be
 * at least half of what is queued, so a socket may refuse EPOLLOUT while a
 * small write would still be taken. */
TEST(events_epollout_needs_half_the_queue_free)
{
	struct conn c;
	static char buf[8192];
	int v = 8192;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	/* a does not run: nothing is acknowledged. */
	CHECK_EQ(ff_write(c.cfd, buf, 4096), 4096); /* 4096 free >= 2048 */
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	CHECK_EQ(ff_write(c.cfd, buf, 1400), 1400); /* 2696 free < 2748 */
	EXPECT_LEVEL(c.cfd, 0);
	CHECK_EQ(ff_write(c.cfd, buf, 1), 1); /* yet a write is taken */
	h_pair_run_ms(&c.h, 5);
	ON(c.h.b);
	EXPECT_LEVEL(c.cfd, EPOLLOUT);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* ---- edge-triggered and one-shot ---- */

TEST(events_epoll_edge_triggered_connection)
{
	struct conn c;
	char buf[16];
	int ep;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	ep = ep_new(c.cfd, EP_ALL | EPOLLET);
	EXPECT_WAIT(ep, EPOLLOUT); /* what is already the case, once */
	EXPECT_WAIT(ep, 0);
	/* Each arrival is a new edge, read or not; the level is reported. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "a", 1), 1);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_WAIT(ep, EPOLLIN | EPOLLOUT);
	EXPECT_WAIT(ep, 0);
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "b", 1), 1);
	h_pair_run_ms(&c.h, 50); /* Nagle holds it until "a" is acknowledged */
	ON(c.h.b);
	EXPECT_WAIT(ep, EPOLLIN | EPOLLOUT);
	CHECK_EQ(ff_read(c.cfd, buf, sizeof(buf)), 2);
	EXPECT_WAIT(ep, 0);
	/* Our data acknowledged: no event, the writer never ran out of room
	 * (Linux wakes writers only after SOCK_NOSPACE). */
	CHECK_EQ(ff_write(c.cfd, "x", 1), 1);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	EXPECT_WAIT(ep, 0);
	/* The peer's FIN. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_WAIT(ep, IORH);
	EXPECT_WAIT(ep, 0);
	CHECK_EQ(ff_close(ep), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* The classic edge-triggered writer: write until the buffer is full, then
 * EPOLLOUT comes once when room is back. */
TEST(events_epoll_edge_triggered_writer_after_full_buffer)
{
	struct conn c;
	static char buf[8192];
	int v = 4096, ep;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	ep = ep_new(c.cfd, EPOLLOUT | EPOLLET);
	EXPECT_WAIT(ep, EPOLLOUT);
	CHECK_EQ(ff_write(c.cfd, buf, sizeof(buf)), 4096); /* short: room ran out */
	CHECK_ERR(ff_write(c.cfd, buf, 1), EAGAIN);
	EXPECT_WAIT(ep, 0);
	h_pair_run_ms(&c.h, 5); /* a acknowledges it all */
	ON(c.h.b);
	EXPECT_WAIT(ep, EPOLLOUT);
	EXPECT_WAIT(ep, 0);
	/* Not full this time: the acknowledgement is no event. */
	CHECK_EQ(ff_write(c.cfd, buf, 100), 100);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	EXPECT_WAIT(ep, 0);
	CHECK_EQ(ff_close(ep), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_epoll_edge_triggered_listener)
{
	struct conn c;
	int ep, c1, c2, s1, s2;

	CONN_OPEN(&c, PORT, 0, NULL);
	ON(c.h.a);
	ep = ep_new(c.lfd, EPOLLIN | EPOLLET);
	EXPECT_WAIT(ep, 0);
	c1 = CONNECT_NB(&c.h, PORT);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	EXPECT_WAIT(ep, EPOLLIN);
	EXPECT_WAIT(ep, 0);
	c2 = CONNECT_NB(&c.h, PORT); /* a second connection: a second edge */
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	EXPECT_WAIT(ep, EPOLLIN);
	s1 = ff_accept(c.lfd, NULL, NULL);
	s2 = ff_accept(c.lfd, NULL, NULL);
	CHECK(s1 >= 0 && s2 >= 0);
	EXPECT_WAIT(ep, 0);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(s1), 0);
	CHECK_EQ(ff_close(s2), 0);
	ON(c.h.b);
	CHECK_EQ(ff_close(c1), 0);
	CHECK_EQ(ff_close(c2), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_epoll_oneshot)
{
	struct conn c;
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT };
	int ep;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	ep = ep_new(c.cfd, EPOLLIN | EPOLLONESHOT);
	EXPECT_WAIT(ep, 0);
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "a", 1), 1);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_WAIT(ep, EPOLLIN);
	EXPECT_WAIT(ep, 0); /* disabled, though still readable */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "b", 1), 1);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_WAIT(ep, 0); /* new data does not re-arm it */
	CHECK_ERR(ff_epoll_ctl(ep, EPOLL_CTL_ADD, c.cfd, &e), EEXIST);
	e.data.fd = c.cfd;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, c.cfd, &e), 0);
	EXPECT_WAIT(ep, EPOLLIN);
	EXPECT_WAIT(ep, 0);
	/* One-shot and edge-triggered, re-armed for OUT. */
	e.events = EPOLLOUT | EPOLLONESHOT | EPOLLET;
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_MOD, c.cfd, &e), 0);
	EXPECT_WAIT(ep, EPOLLOUT);
	EXPECT_WAIT(ep, 0);
	CHECK_EQ(ff_close(ep), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* ---- kqueue (FreeBSD's filt_soread / filt_sowrite) ---- */

TEST(events_kqueue_by_state)
{
	struct conn c;
	int fd, x, c1, s0, s1, sndbuf;
	socklen_t len = sizeof(sndbuf);

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	/* Never connected: neither filter (not EOF, not connected). */
	ON(c.h.b);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	EXPECT_NO_KEV(fd, EVFILT_READ);
	EXPECT_NO_KEV(fd, EVFILT_WRITE);
	CHECK_EQ(ff_close(fd), 0);
	/* Listener: READ with data = the accept queue length; never WRITE. */
	ON(c.h.a);
	EXPECT_NO_KEV(c.lfd, EVFILT_READ);
	EXPECT_NO_KEV(c.lfd, EVFILT_WRITE);
	x = CONNECT_NB(&c.h, PORT);
	c1 = CONNECT_NB(&c.h, PORT);
	/* Connecting: nothing. */
	EXPECT_NO_KEV(x, EVFILT_READ);
	EXPECT_NO_KEV(x, EVFILT_WRITE);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	EXPECT_KEV(c.lfd, EVFILT_READ, false, 0, 2);
	EXPECT_NO_KEV(c.lfd, EVFILT_WRITE);
	s0 = ff_accept(c.lfd, NULL, NULL);
	EXPECT_KEV(c.lfd, EVFILT_READ, false, 0, 1);
	s1 = ff_accept(c.lfd, NULL, NULL);
	CHECK(s0 >= 0 && s1 >= 0);
	EXPECT_NO_KEV(c.lfd, EVFILT_READ);

	/* Connected: WRITE with data = the send space; READ nothing. */
	ON(c.h.b);
	CHECK_EQ(ff_getsockopt(c.cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len), 0);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, false, 0, sndbuf);
	EXPECT_NO_KEV(c.cfd, EVFILT_READ);
	CHECK_EQ(ff_write(c.cfd, "abc", 3), 3);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, false, 0, sndbuf - 3);
	/* Data: READ with data = the bytes queued. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "hello", 5), 5);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_KEV(c.cfd, EVFILT_READ, false, 0, 5);
	/* The peer's FIN: READ EV_EOF (fflags 0), the data still counted;
	 * WRITE as before. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	EXPECT_KEV(c.cfd, EVFILT_READ, true, 0, 5);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, false, 0, sndbuf);
	/* Our SHUT_WR: WRITE EV_EOF; READ as before (the client's 3 bytes). */
	ON(c.h.a);
	EXPECT_KEV(c.sfd, EVFILT_READ, false, 0, 3);
	EXPECT_KEV(c.sfd, EVFILT_WRITE, true, 0, -1);
	/* Our SHUT_RD: READ EV_EOF, nothing queued. */
	ON(c.h.b);
	CHECK_EQ(ff_shutdown(x, SHUT_RD), 0);
	EXPECT_KEV(x, EVFILT_READ, true, 0, 0);
	EXPECT_KEV(x, EVFILT_WRITE, false, 0, -1);

	CHECK_EQ(ff_close(x), 0);
	CHECK_EQ(ff_close(c1), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(s0), 0);
	CHECK_EQ(ff_close(s1), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

TEST(events_kqueue_reset_refused_error_in_fflags)
{
	struct conn c;
	int r;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	conn_reset_from_a(&c);
	/* Both directions closed, fflags the error until it is read. */
	ON(c.h.b);
	EXPECT_KEV(c.cfd, EVFILT_READ, true, ECONNRESET, 0);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, true, ECONNRESET, -1);
	CHECK_EQ(so_error(c.cfd), ECONNRESET);
	EXPECT_KEV(c.cfd, EVFILT_READ, true, 0, 0);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, true, 0, -1);
	/* Refused. */
	r = REFUSED(&c.h, CLOSED_PORT);
	EXPECT_KEV(r, EVFILT_READ, true, ECONNREFUSED, 0);
	EXPECT_KEV(r, EVFILT_WRITE, true, ECONNREFUSED, -1);
	CHECK_ERR(ff_read(r, (char[4]){ 0 }, 4), ECONNREFUSED);
	EXPECT_KEV(r, EVFILT_READ, true, 0, 0);
	CHECK_EQ(ff_close(r), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* Low-water marks: READ waits for NOTE_LOWAT's mark (or SO_RCVLOWAT);
 * WRITE for NOTE_LOWAT's, else FreeBSD's default send low-water mark,
 * MCLBYTES (2048), or the send buffer if smaller. */
TEST(events_kqueue_low_water_marks)
{
	struct conn c;
	static char buf[4096];
	struct kevent k;
	int v;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "abc", 3), 3);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	CHECK_EQ(kq_level(c.cfd, EVFILT_READ, NOTE_LOWAT, 4, &k), 0);
	CHECK_EQ(kq_level(c.cfd, EVFILT_READ, NOTE_LOWAT, 3, &k), 1);
	CHECK_EQ(k.data, 3);
	v = 4;
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
	EXPECT_NO_KEV(c.cfd, EVFILT_READ);
	v = 1;
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)), 0);
	EXPECT_KEV(c.cfd, EVFILT_READ, false, 0, 3);

	/* Send space 4096 - 2100 = 1996 < 2048: not writable for kqueue
	 * (epoll's rule says the same here); a mark of 1996 is met. */
	v = 4096;
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	CHECK_EQ(ff_write(c.cfd, buf, 2100), 2100);
	EXPECT_NO_KEV(c.cfd, EVFILT_WRITE);
	CHECK_EQ(kq_level(c.cfd, EVFILT_WRITE, NOTE_LOWAT, 1996, &k), 1);
	CHECK_EQ(k.data, 1996);
	CHECK_EQ(kq_level(c.cfd, EVFILT_WRITE, NOTE_LOWAT, 1997, &k), 0);
	/* The default mark is the send buffer when that is smaller. */
	h_pair_run_ms(&c.h, 50); /* all acknowledged (delayed ACK: 40 ms) */
	ON(c.h.b);
	v = 2048; /* the floor */
	CHECK_EQ(ff_setsockopt(c.cfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	EXPECT_KEV(c.cfd, EVFILT_WRITE, false, 0, 2048);
	CHECK_EQ(ff_write(c.cfd, buf, 1), 1);
	EXPECT_NO_KEV(c.cfd, EVFILT_WRITE);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* EV_CLEAR reports once per wakeup: for WRITE, every acknowledgement that
 * frees space is one (FreeBSD's sowwakeup), unlike epoll's edge. */
TEST(events_kqueue_clear_on_tcp)
{
	struct conn c;
	struct kevent ch[2], ev[4];
	int kq;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	kq = ff_kqueue();
	EV_SET(&ch[0], c.cfd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, NULL);
	EV_SET(&ch[1], c.cfd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, NULL);
	CHECK_EQ(ff_kevent(kq, ch, 2, NULL, 0, NULL), 0);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].filter, EVFILT_WRITE);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 0);
	/* Data: READ once, data = what is queued. */
	ON(c.h.a);
	CHECK_EQ(ff_write(c.sfd, "abcd", 4), 4);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 1);
	CHECK(ev[0].filter == EVFILT_READ && ev[0].data == 4, "filter %d data %lld", ev[0].filter,
	      (long long)ev[0].data);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 0);
	/* Our data acknowledged: WRITE again. */
	CHECK_EQ(ff_write(c.cfd, "x", 1), 1);
	h_pair_run_ms(&c.h, 50);
	ON(c.h.b);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 1);
	CHECK_EQ(ev[0].filter, EVFILT_WRITE);
	CHECK_EQ(ff_kevent(kq, NULL, 0, ev, 4, NULL), 0);
	CHECK_EQ(ff_close(kq), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

/* ---- poll and select ---- */

TEST(events_poll_and_select_by_state)
{
	struct conn c;
	int fd, x, r, s1, closed;

	CONN_OPEN(&c, PORT, SOCK_NONBLOCK, NULL);
	ON(c.h.b);
	/* Never connected: HUP whatever is asked; select: readable (a read
	 * says ENOTCONN at once) and writable (EPIPE at once). */
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(poll_level(fd, POLLIN), POLLHUP);
	CHECK_EQ(poll_level(fd, POLLIN | POLLOUT | POLLRDHUP), POLLOUT | POLLHUP);
	CHECK_EQ(select_level(fd), SEL_R | SEL_W);
	/* Connecting: nothing. */
	x = CONNECT_NB(&c.h, PORT);
	CHECK_EQ(poll_level(x, POLLIN | POLLOUT), 0);
	CHECK_EQ(select_level(x), 0);
	/* Listener: readable while a connection waits. */
	ON(c.h.a);
	CHECK_EQ(poll_level(c.lfd, POLLIN | POLLOUT), 0);
	CHECK_EQ(select_level(c.lfd), 0);
	h_pair_run_ms(&c.h, 5);
	ON(c.h.a);
	CHECK_EQ(poll_level(c.lfd, POLLIN | POLLOUT), POLLIN);
	CHECK_EQ(select_level(c.lfd), SEL_R);
	s1 = ff_accept(c.lfd, NULL, NULL);
	CHECK(s1 >= 0);
	/* Connected. */
	ON(c.h.b);
	CHECK_EQ(poll_level(c.cfd, POLLIN | POLLOUT), POLLOUT);
	CHECK_EQ(select_level(c.cfd), SEL_W);
	/* Half-closed by the peer: RDHUP only when asked. */
	ON(c.h.a);
	CHECK_EQ(ff_shutdown(c.sfd, SHUT_WR), 0);
	h_pair_run_ms(&c.h, 2);
	ON(c.h.b);
	CHECK_EQ(poll_level(c.cfd, POLLIN | POLLOUT), POLLIN | POLLOUT);
	CHECK_EQ(poll_level(c.cfd, POLLIN | POLLOUT | POLLRDHUP), POLLIN | POLLOUT | POLLRDHUP);
	CHECK_EQ(select_level(c.cfd), SEL_R | SEL_W);
	/* Refused: ERR|HUP even with no events asked; select: both sets. */
	r = REFUSED(&c.h, CLOSED_PORT);
	CHECK_EQ(poll_level(r, 0), POLLERR | POLLHUP);
	CHECK_EQ(poll_level(r, POLLIN | POLLOUT), POLLIN | POLLOUT | POLLERR | POLLHUP);
	CHECK_EQ(select_level(r), SEL_R | SEL_W);
	/* Bad descriptors: POLLNVAL (a negative one is skipped); select
	 * EBADF. */
	closed = fd;
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(poll_level(closed, POLLIN), POLLNVAL);
	{
		struct pollfd p = { .fd = -1, .events = POLLIN, .revents = 7 };

		CHECK_EQ(ff_poll(&p, 1, 0), 0);
		CHECK_EQ(p.revents, 0);
	}
	CHECK_ERR(select_level(closed), EBADF);
	CHECK_EQ(ff_close(r), 0);
	CHECK_EQ(ff_close(x), 0);
	ON(c.h.a);
	CHECK_EQ(ff_close(s1), 0);
	conn_close(&c);
	T_PAIR_TEARDOWN(&c.h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
