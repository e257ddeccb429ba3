/* test_fstack_compat.c: what F-Stack's own example programs ask of the
 * API beyond plain IPv4 sockets (issue 15), through the public ff_* calls:
 *   - an IPv6 TCP socket binds the unspecified address and listens beside
 *     the IPv4 listener of the same port (FreeBSD's v6only default), as
 *     F-Stack's main.c built with -DINET6 does; it never hears a segment
 *     until the IP layer has IPv6, and its connect() finds no route;
 *   - ff_epoll_create(0) makes an instance (F-Stack ignores the size);
 *   - zero-copy write: the buffers ff_zc_mbuf_get gives are the very ones
 *     the send buffer holds after ff_write (same addresses), and the peer
 *     reads the bytes; no room: EAGAIN with the chain still the caller's;
 *   - the packet dispatcher sees every frame and its verdicts are honoured;
 *     ff_dpdk_raw_packet_send puts the frame on the wire as given;
 *   - ff_regist_pcblddr_fun chooses connect()'s source address;
 *   - FreeBSD-numbered options and ioctls, ff_sysctl by name-to-OID;
 *   - ff_pthread_create's thread runs on its creator's stack;
 *   - the calls fastack refuses, with their errno.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>

#include "ff_api.h"
#include "ff_config.h"
#include "ff_log.h"
#include "api/api.h"
#include "stack/knobs.h"
#include "tcp/tcp_priv.h"
#include "harness.h"
#include "stack/stack.h"

#define CHECK_ERR(call, e)                                                                \
	do {                                                                              \
		errno = 0;                                                                \
		long r_ = (long)(call);                                                   \
		int e_ = errno;                                                           \
		if (r_ != -1 || e_ != (e))                                                \
			harness_fail(__FILE__, __LINE__,                                  \
			             "%s = %ld, errno %d (%s), expected "                 \
			             "-1, errno %d (%s)",                                 \
			             #call, r_, e_, strerror(e_), (int)(e), strerror(e)); \
	} while (0)

static struct linux_sockaddr *sin6(struct sockaddr_in6 *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin6_family = AF_INET6;
	a->sin6_port = htons(port);
	if (ip)
		CHECK_EQ(inet_pton(AF_INET6, ip, &a->sin6_addr), 1);
	return (struct linux_sockaddr *)a;
}

static struct linux_sockaddr *sin4(struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	return (struct linux_sockaddr *)a;
}

TEST(ipv6_listener_beside_ipv4_as_fstack_main_c)
{
	struct h_one h;
	struct sockaddr_in a4;
	struct sockaddr_in6 a6, got;
	socklen_t len = sizeof(got);
	int fd4, fd6, dup6, c6, u6, kq;
	struct kevent kev;

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	/* main.c's order: the IPv4 listener on port 80, then the IPv6 one. */
	fd4 = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK(fd4 >= 0);
	CHECK_EQ(ff_bind(fd4, sin4(&a4, 80), sizeof(a4)), 0);
	CHECK_EQ(ff_listen(fd4, 512), 0);
	fd6 = ff_socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(fd6 >= 0);
	CHECK_EQ(ff_bind(fd6, sin6(&a6, NULL, 80), sizeof(a6)), 0);
	CHECK_EQ(ff_listen(fd6, 512), 0);
	kq = ff_kqueue();
	EV_SET(&kev, fd6, EVFILT_READ, EV_ADD, 0, 512, NULL);
	CHECK_EQ(ff_kevent(kq, &kev, 1, NULL, 0, NULL), 0);
	CHECK_EQ(ff_getsockname(fd6, (struct linux_sockaddr *)&got, &len), 0);
	CHECK_EQ(len, sizeof(got));
	CHECK_EQ(got.sin6_family, AF_INET6);
	CHECK_EQ(ntohs(got.sin6_port), 80);
	/* A second IPv6 listener on the port is refused; an address that is
	 * no netif's is not bindable. */
	dup6 = ff_socket(AF_INET6, SOCK_STREAM, 0);
	CHECK_ERR(ff_bind(dup6, sin6(&a6, NULL, 80), sizeof(a6)), EADDRINUSE);
	CHECK_ERR(ff_bind(dup6, sin6(&a6, "2001:2::9", 81), sizeof(a6)), EADDRNOTAVAIL);
	/* An IPv6 listener without bind takes an ephemeral port. */
	CHECK_EQ(ff_listen(dup6, 4), 0);
	len = sizeof(got);
	CHECK_EQ(ff_getsockname(dup6, (struct linux_sockaddr *)&got, &len), 0);
	CHECK(ntohs(got.sin6_port) != 0);
	/* No IPv6 route exists: connect says so. */
	c6 = ff_socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(ff_connect(c6, sin6(&a6, "2001:2::2", 80), sizeof(a6)), ENETUNREACH);
	/* IPv6 UDP is not there yet. */
	u6 = ff_socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK_ERR(ff_bind(u6, sin6(&a6, NULL, 53), sizeof(a6)), EAFNOSUPPORT);
	CHECK_EQ(ff_close(u6), 0);
	CHECK_EQ(ff_close(c6), 0);
	CHECK_EQ(ff_close(dup6), 0);
	CHECK_EQ(ff_close(kq), 0);
	CHECK_EQ(ff_close(fd6), 0);
	CHECK_EQ(ff_close(fd4), 0);
	h_one_destroy(&h);
}

TEST(epoll_create_ignores_the_size)
{
	struct h_one h;
	int ep;

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	ep = ff_epoll_create(0);
	CHECK(ep >= 0);
	CHECK_EQ(ff_close(ep), 0);
	ep = ff_epoll_create(100000);
	CHECK(ep >= 0);
	CHECK_EQ(ff_close(ep), 0);
	CHECK_ERR(ff_epoll_create(-1), EINVAL);
	h_one_destroy(&h);
}

/* ---- zero-copy write ---- */

struct conn {
	struct h_pair h;
	int lfd, cfd, sfd;
};

static void conn_open(struct conn *c)
{
	struct sockaddr_in a;
	int on = 1;

	h_pair_create(&c->h, NULL, NULL, NULL);
	stack_set_current(c->h.a);
	c->lfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_bind(c->lfd, sin4(&a, 80), sizeof(a)), 0);
	CHECK_EQ(ff_listen(c->lfd, 8), 0);
	stack_set_current(c->h.b);
	c->cfd = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_ioctl(c->cfd, FIONBIO, &on), 0);
	sin4(&a, 80);
	a.sin_addr.s_addr = h_ip4("198.18.0.1");
	CHECK_ERR(ff_connect(c->cfd, (struct linux_sockaddr *)&a, sizeof(a)), EINPROGRESS);
	h_pair_run_ms(&c->h, 5);
	stack_set_current(c->h.a);
	c->sfd = ff_accept(c->lfd, NULL, NULL);
	CHECK(c->sfd >= 0);
	CHECK_EQ(ff_ioctl(c->sfd, FIONBIO, &on), 0);
}

static void conn_close(struct conn *c)
{
	stack_set_current(c->h.a);
	CHECK_EQ(ff_close(c->sfd), 0);
	CHECK_EQ(ff_close(c->lfd), 0);
	stack_set_current(c->h.b);
	CHECK_EQ(ff_close(c->cfd), 0);
	h_pair_run_ms(&c->h, 100);
	h_pair_destroy(&c->h);
}

/* Reads what b has, up to n bytes, running the pair meanwhile. */
static size_t read_all(struct conn *c, char *buf, size_t n)
{
	size_t got = 0;

	for (int i = 0; i < 200 && got < n; i++) {
		ssize_t r;

		h_pair_run_ms(&c->h, 1);
		stack_set_current(c->h.b);
		r = ff_read(c->cfd, buf + got, n - got);
		if (r > 0)
			got += (size_t)r;
	}
	return got;
}

TEST(zero_copy_write_hands_the_buffers_to_tcp)
{
	static char body[6000], got[6000];
	struct conn c;
	struct ff_zc_mbuf zc;
	struct rte_mbuf *bufs[8], *b;
	unsigned nb = 0;
	int half = 2500;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (char)('a' + i % 26);
	conn_open(&c);
	stack_set_current(c.h.a);
	/* main_zc.c's way: one get, several writes, one ff_write of the head. */
	memset(&zc, 0, sizeof(zc));
	CHECK_EQ(ff_zc_mbuf_get(&zc, (int)sizeof(body)), 0);
	CHECK(zc.bsd_mbuf != NULL);
	CHECK_EQ(zc.len, (int)sizeof(body));
	for (b = zc.bsd_mbuf; b && nb < 8; b = b->next)
		bufs[nb++] = b;
	CHECK(nb >= 3, "6000 bytes in %u buffers", nb);
	CHECK_EQ(ff_zc_mbuf_write(&zc, body, half), half);
	CHECK_EQ(ff_zc_mbuf_write(&zc, body + half, (int)sizeof(body) - half),
	         (int)sizeof(body) - half);
	CHECK_ERR(ff_zc_mbuf_write(&zc, body, 1), EINVAL); /* past len */
	{
		char back[6000];

		CHECK_EQ(ff_zc_mbuf_read(&zc, back, (int)sizeof(back)), (int)sizeof(back));
		CHECK(memcmp(back, body, sizeof(back)) == 0);
	}
	/* Not to a UDP socket, not more than was written. */
	{
		int u = ff_socket(AF_INET, SOCK_DGRAM, 0);

		CHECK_ERR(ff_write(u, zc.bsd_mbuf, 10), EOPNOTSUPP);
		CHECK_EQ(ff_close(u), 0);
	}
	CHECK_ERR(ff_write(c.sfd, zc.bsd_mbuf, sizeof(body) + 1), EINVAL);
	CHECK_EQ(ff_write(c.sfd, zc.bsd_mbuf, sizeof(body)), (ssize_t)sizeof(body));
	/* No copy: the send buffer holds the application's buffers. */
	CHECK(c.h.a->compat.nzc == 0);
	{
		int err = 0;
		struct socket *so = fd_get(c.h.a, c.sfd, FD_SOCKET, &err);
		struct tcpcb *tp = so->pcb;
		unsigned found = 0;

		for (unsigned i = 0; i < nb; i++)
			for (b = tp->snd.head; b; b = b->next)
				if (b == bufs[i]) {
					found++;
					break;
				}
		CHECK_EQ(found, nb);
	}
	CHECK_EQ(read_all(&c, got, sizeof(got)), sizeof(got));
	CHECK(memcmp(got, body, sizeof(got)) == 0);
	conn_close(&c);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
