/* test_tcp_socket.c: TCP through the socket API (ff_socket ... ff_close)
 * and epoll, between two stacks on the in-memory link: non-blocking
 * connect (EINPROGRESS, then EPOLLOUT and SO_ERROR 0), accept on
 * EPOLLIN, data both ways, EOF and EPOLLRDHUP, connection refused
 * (EPOLLERR|EPOLLHUP, SO_ERROR ECONNREFUSED), socket options (TCP_NODELAY,
 * TCP_CONGESTION, TCP_INFO, SO_KEEPALIVE), and stack teardown with
 * sockets still open.
 */
#include <signal.h>
#include <sys/uio.h>

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

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
