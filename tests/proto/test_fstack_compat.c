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
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
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

TEST(zero_copy_write_room_trim_and_bounds)
{
	static char body[6000], got[6000];
	struct conn c;
	struct ff_zc_mbuf zc, many[STACK_ZC_MAX];
	int v = 2048;

	memset(body, 'z', sizeof(body));
	/* No stack on this thread: EBADF. */
	stack_set_current(NULL);
	CHECK_ERR(ff_zc_mbuf_get(&zc, 10), EBADF);
	conn_open(&c);
	stack_set_current(c.h.a);
	memset(&zc, 0, sizeof(zc));
	CHECK_ERR(ff_zc_mbuf_get(&zc, 0), EINVAL);
	CHECK_ERR(ff_zc_mbuf_get(NULL, 10), EINVAL);
	CHECK_ERR(ff_zc_mbuf_write(&zc, body, 1), EINVAL); /* no chain */
	/* A send buffer of 2 KiB: 6000 bytes do not fit, EAGAIN, and the chain
	 * stays the application's. */
	CHECK_EQ(ff_setsockopt(c.sfd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	CHECK_EQ(ff_zc_mbuf_get(&zc, (int)sizeof(body)), 0);
	CHECK_EQ(ff_zc_mbuf_write(&zc, body, (int)sizeof(body)), (int)sizeof(body));
	CHECK_ERR(ff_write(c.sfd, zc.bsd_mbuf, sizeof(body)), EAGAIN);
	CHECK_EQ(c.h.a->compat.nzc, 1);
	/* The same struct again: the unwritten chain is freed (the pool check
	 * at teardown counts it), a new one made. */
	CHECK_EQ(ff_zc_mbuf_get(&zc, 3000), 0);
	CHECK_EQ(c.h.a->compat.nzc, 1);
	/* 1000 bytes written, 500 sent: the rest is cut off. */
	CHECK_EQ(ff_zc_mbuf_write(&zc, body, 1000), 1000);
	CHECK_EQ(ff_write(c.sfd, zc.bsd_mbuf, 500), 500);
	CHECK_EQ(c.h.a->compat.nzc, 0);
	/* Once written, the chain is the socket's: the pointer is an ordinary
	 * (here: bogus) buffer again for ff_zc_mbuf_write. */
	CHECK_ERR(ff_zc_mbuf_write(&zc, body, 1), EINVAL);
	CHECK_EQ(read_all(&c, got, sizeof(got)), 500);
	/* At most STACK_ZC_MAX chains held at once; what is held when the
	 * stack ends is freed then (h_pair_destroy checks the pools). */
	stack_set_current(c.h.a);
	memset(many, 0, sizeof(many));
	for (int i = 0; i < STACK_ZC_MAX; i++)
		CHECK_EQ(ff_zc_mbuf_get(&many[i], 100), 0);
	CHECK_ERR(ff_zc_mbuf_get(&zc, 100), ENOBUFS);
	conn_close(&c);
}

/* ---- packet dispatcher and raw send ---- */

static struct {
	int verdict;
	unsigned calls;
	uint16_t len, queue, nb_queues, new_len;
	uint8_t stripped;
	uint16_t tci;
} disp;

static int dispatcher(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues)
{
	disp.calls++;
	disp.len = *len;
	disp.queue = queue_id;
	disp.nb_queues = nb_queues;
	if (disp.verdict == FF_DISPATCH_RESPONSE) {
		uint8_t mac[6];

		/* Answer in place: back to the sender, shorter. */
		memcpy(mac, data, 6);
		memcpy(data, (uint8_t *)data + 6, 6);
		memcpy((uint8_t *)data + 6, mac, 6);
		*len = disp.new_len;
	}
	return disp.verdict;
}

static int dispatcher_ctx(void *data, uint16_t *len, uint16_t queue_id, uint16_t nb_queues,
                          struct ff_dispatcher_context ctx)
{
	disp.stripped = ctx.vlan.stripped;
	disp.tci = ctx.vlan.vlan_tci;
	return dispatcher(data, len, queue_id, nb_queues);
}

/* A 64-byte frame to the stack's MAC of an ethertype nobody handles. */
static struct rte_mbuf *odd_frame(struct h_one *h)
{
	uint8_t f[64] = { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x09, 0x88, 0xb5 };

	for (unsigned i = 14; i < sizeof(f); i++)
		f[i] = (uint8_t)i;
	return harness_frame(h->pool, f, sizeof(f));
}

static void inject(struct h_one *h, struct rte_mbuf *m)
{
	cap_port_inject(h->cap, m);
	h_one_pass(h);
}

TEST(packet_dispatcher_verdicts_are_honoured)
{
	struct h_one h;
	struct rte_mbuf *m;
	uint64_t noproto;

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	noproto = h.s->stats.eth.eth_noproto;
	/* None registered: Ethernet sees the frame (and drops it, unknown). */
	inject(&h, odd_frame(&h));
	CHECK_EQ(h.s->stats.eth.eth_noproto, noproto + 1);

	/* Its own queue: shown, then on to Ethernet. */
	memset(&disp, 0, sizeof(disp));
	ff_regist_packet_dispatcher(dispatcher);
	disp.verdict = 0;
	inject(&h, odd_frame(&h));
	CHECK_EQ(disp.calls, 1);
	CHECK_EQ(disp.len, 64);
	CHECK_EQ(disp.queue, 0);
	CHECK_EQ(disp.nb_queues, 1);
	CHECK_EQ(h.s->stats.eth.eth_noproto, noproto + 2);

	/* FF_DISPATCH_ERROR: dropped before Ethernet, counted. */
	disp.verdict = FF_DISPATCH_ERROR;
	inject(&h, odd_frame(&h));
	CHECK_EQ(disp.calls, 2);
	CHECK_EQ(h.s->stats.eth.eth_noproto, noproto + 2);
	CHECK_EQ(h.s->stats.port.dispatch_dropped, 1);
	/* A queue this process does not have: the same. */
	disp.verdict = 5;
	inject(&h, odd_frame(&h));
	CHECK_EQ(h.s->stats.port.dispatch_dropped, 2);

	/* FF_DISPATCH_RESPONSE: the changed frame goes back out. */
	disp.verdict = FF_DISPATCH_RESPONSE;
	disp.new_len = 60;
	inject(&h, odd_frame(&h));
	CHECK_EQ(h.s->stats.port.dispatch_responded, 1);
	m = cap_port_pop(h.cap);
	CHECK(m != NULL);
	if (m) {
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		CHECK_EQ(rte_pktmbuf_pkt_len(m), 60);
		CHECK_EQ(d[5], 0x09); /* to the sender */
		CHECK_EQ(d[11], 0x01);
		CHECK_EQ(d[59], 59);
		rte_pktmbuf_free(m);
	}
	/* A length past the buffer: dropped, not sent. */
	disp.new_len = 60000;
	inject(&h, odd_frame(&h));
	CHECK(cap_port_pop(h.cap) == NULL);
	CHECK_EQ(h.s->stats.port.dispatch_dropped, 3);

	/* The context variant: the NIC's VLAN strip is passed on. */
	ff_regist_packet_dispatcher_context(dispatcher_ctx);
	disp.verdict = 0;
	m = odd_frame(&h);
	m->ol_flags |= RTE_MBUF_F_RX_VLAN_STRIPPED;
	m->vlan_tci = 0x123;
	inject(&h, m);
	CHECK_EQ(disp.calls, 6);
	CHECK_EQ(disp.stripped, 1);
	CHECK_EQ(disp.tci, 0x123);
	inject(&h, odd_frame(&h));
	CHECK_EQ(disp.stripped, 0);

	/* Removed: frames go straight to Ethernet again. */
	ff_regist_packet_dispatcher(NULL);
	inject(&h, odd_frame(&h));
	CHECK_EQ(disp.calls, 7);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

TEST(raw_packet_send_puts_the_frame_on_the_port)
{
	struct h_one h;
	uint8_t f[60];
	struct rte_mbuf *m;

	for (unsigned i = 0; i < sizeof(f); i++)
		f[i] = (uint8_t)(0xa0 + i);
	stack_set_current(NULL);
	CHECK_ERR(ff_dpdk_raw_packet_send(f, sizeof(f), 0), EBADF);
	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	CHECK_EQ(ff_dpdk_raw_packet_send(f, sizeof(f), 0), 0);
	h_one_pass(&h);
	m = cap_port_pop(h.cap);
	CHECK(m != NULL);
	if (m) {
		CHECK_EQ(rte_pktmbuf_pkt_len(m), sizeof(f));
		CHECK(memcmp(rte_pktmbuf_mtod(m, void *), f, sizeof(f)) == 0);
		rte_pktmbuf_free(m);
	}
	CHECK_EQ(h.s->stats.port.raw_sent, 1);
	CHECK_ERR(ff_dpdk_raw_packet_send(f, sizeof(f), 1), ENODEV);
	CHECK_ERR(ff_dpdk_raw_packet_send(f, 10, 0), EINVAL);
	CHECK_ERR(ff_dpdk_raw_packet_send(NULL, 60, 0), EINVAL);
	CHECK_ERR(ff_dpdk_raw_packet_send(f, 100000, 0), EINVAL);
	h_one_destroy(&h);
}

/* ---- connect()'s source address ---- */

static struct {
	uint32_t give, dst;
	uint16_t port, family;
	unsigned calls;
} lddr;

static int chooser(uint16_t family, void *dst_addr, uint16_t dst_port, void *src_addr)
{
	lddr.calls++;
	lddr.family = family;
	memcpy(&lddr.dst, dst_addr, 4);
	lddr.port = dst_port;
	memcpy(src_addr, &lddr.give, 4);
	return 0;
}

TEST(pcblddr_chooses_the_source_of_connect)
{
	struct h_pair h;
	struct sockaddr_in a, got;
	socklen_t len = sizeof(got);
	int l, c, c2;

	h_pair_create(&h, NULL, NULL, NULL);
	stack_set_current(h.a);
	l = ff_socket(AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(ff_bind(l, sin4(&a, 80), sizeof(a)), 0);
	CHECK_EQ(ff_listen(l, 8), 0);
	stack_set_current(h.b);
	memset(&lddr, 0, sizeof(lddr));
	ff_regist_pcblddr_fun(chooser);
	lddr.give = h_ip4("198.18.0.77"); /* not b's */
	c = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	sin4(&a, 80);
	a.sin_addr.s_addr = h_ip4("198.18.0.1");
	CHECK_ERR(ff_connect(c, (struct linux_sockaddr *)&a, sizeof(a)), EADDRNOTAVAIL);
	CHECK_EQ(lddr.calls, 1);
	CHECK_EQ(lddr.family, AF_INET);
	CHECK_EQ(lddr.dst, h_ip4("198.18.0.1"));
	CHECK_EQ(ntohs(lddr.port), 80);
	CHECK_EQ(ff_close(c), 0);
	lddr.give = h_ip4("198.18.0.2");
	c2 = ff_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK_ERR(ff_connect(c2, (struct linux_sockaddr *)&a, sizeof(a)), EINPROGRESS);
	CHECK_EQ(ff_getsockname(c2, (struct linux_sockaddr *)&got, &len), 0);
	CHECK_EQ(got.sin_addr.s_addr, h_ip4("198.18.0.2"));
	CHECK_EQ(lddr.calls, 2);
	ff_regist_pcblddr_fun(NULL);
	h_pair_run_ms(&h, 5);
	CHECK_EQ(ff_close(c2), 0);
	stack_set_current(h.a);
	{
		int s = ff_accept(l, NULL, NULL);

		CHECK(s >= 0);
		CHECK_EQ(ff_close(s), 0);
	}
	CHECK_EQ(ff_close(l), 0);
	h_pair_run_ms(&h, 100);
	h_pair_destroy(&h);
}

/* ---- FreeBSD-numbered calls, sysctl, threads, refusals ---- */

TEST(freebsd_numbered_options_and_ioctls)
{
	struct h_one h;
	int fd, v = 1, n;
	socklen_t len = sizeof(v);

	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	fd = ff_socket(AF_INET, SOCK_STREAM, 0);
	/* SOL_SOCKET is 0xffff and SO_REUSEADDR 4 in FreeBSD's numbering. */
	CHECK_EQ(ff_setsockopt_freebsd(fd, 0xffff, 0x0004, &v, sizeof(v)), 0);
	v = 0;
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	CHECK_EQ(v, 1);
	/* TCP_KEEPIDLE is 256 there. */
	v = 77;
	CHECK_EQ(ff_setsockopt_freebsd(fd, IPPROTO_TCP, 256, &v, sizeof(v)), 0);
	v = 0;
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt_freebsd(fd, IPPROTO_TCP, 256, &v, &len), 0);
	CHECK_EQ(v, 77);
	CHECK_ERR(ff_setsockopt_freebsd(fd, 0xffff, 0x0400, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt_freebsd(fd, 99, 1, &v, &len), ENOPROTOOPT);
	/* FIONBIO is _IOW('f', 126, int) there. */
	v = 1;
	CHECK_EQ(ff_ioctl_freebsd(fd, 0x8004667eUL, &v), 0);
	CHECK(ff_fcntl(fd, F_GETFL) & O_NONBLOCK);
	n = ff_socket(AF_INET, SOCK_DGRAM, 0);
	v = -1;
	CHECK_EQ(ff_ioctl_freebsd(n, 0x4004667fUL, &v), 0); /* FIONREAD */
	CHECK_EQ(v, 0);
	CHECK_ERR(ff_ioctl_freebsd(fd, 0x5421UL, &v), ENOTTY); /* Linux's FIONBIO */
	CHECK_EQ(ff_close(n), 0);
	CHECK_EQ(ff_close(fd), 0);
	/* Routing sockets and netgraph are FreeBSD's. */
	CHECK_ERR(ff_rtioctl(0, NULL, NULL, 0), EOPNOTSUPP);
	CHECK_ERR(ff_ngctl(NGCTL_SOCKET, NULL), EOPNOTSUPP);
	h_one_destroy(&h);
}

TEST(sysctl_by_freebsd_name_to_oid)
{
	struct h_one h;
	int oid[2], name2oid[2] = { 0, 3 }, v;
	size_t len = sizeof(oid);
	char cc[16];
	int64_t k;

	stack_set_current(NULL);
	CHECK_ERR(ff_sysctl(name2oid, 2, oid, &len, "net.inet.tcp.msl", 16), ENXIO);
	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	/* sysctlnametomib's call: {0, 3} with the name as new value. */
	CHECK_EQ(ff_sysctl(name2oid, 2, oid, &len, "net.inet.tcp.msl", 16), 0);
	CHECK_EQ(len, sizeof(oid));
	len = sizeof(v);
	CHECK_EQ(ff_sysctl(oid, 2, &v, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(int));
	CHECK_EQ(v, KNOB(h.s, TCP_MSL));
	v = 2000;
	CHECK_EQ(ff_sysctl(oid, 2, NULL, NULL, &v, sizeof(v)), 0);
	CHECK_EQ(ff_sysctl_knob("net.inet.tcp.msl", &k, NULL), 0);
	CHECK_EQ(k, 2000);
	v = 1;
	CHECK_ERR(ff_sysctl(oid, 2, NULL, NULL, &v, sizeof(v)), EINVAL); /* below 10 */
	/* The size alone; a short buffer. */
	len = 0;
	CHECK_EQ(ff_sysctl(oid, 2, NULL, &len, NULL, 0), 0);
	CHECK_EQ(len, sizeof(int));
	len = 2;
	CHECK_ERR(ff_sysctl(oid, 2, &v, &len, NULL, 0), ENOMEM);
	/* A knob with named values reads and writes its name. */
	len = sizeof(oid);
	CHECK_EQ(ff_sysctl(name2oid, 2, oid, &len, "net.inet.tcp.cc.algorithm", 25), 0);
	CHECK_EQ(ff_sysctl(oid, 2, NULL, NULL, "newreno", 7), 0);
	len = sizeof(cc);
	CHECK_EQ(ff_sysctl(oid, 2, cc, &len, NULL, 0), 0);
	CHECK(strcmp(cc, "newreno") == 0, "%s", cc);
	CHECK_ERR(ff_sysctl(oid, 2, NULL, NULL, "vegas", 5), EINVAL);
	/* Unknown names; FreeBSD's own numbers (CTL_NET, PF_INET, ...). */
	len = sizeof(oid);
	CHECK_ERR(ff_sysctl(name2oid, 2, oid, &len, "net.inet.tcp.nosuch", 19), ENOENT);
	CHECK_ERR(ff_sysctl((int[]){ 4, 2, 6, 1 }, 4, &v, &len, NULL, 0), ENOENT);
	CHECK_ERR(ff_sysctl(oid, 1, &v, &len, NULL, 0), EINVAL);
	h_one_destroy(&h);
}

static void *thread_socket(void *arg)
{
	int *fd = arg;

	*fd = ff_socket(AF_INET, SOCK_DGRAM, 0);
	return NULL;
}

TEST(pthread_create_runs_on_the_creators_stack)
{
	struct h_one h;
	pthread_t t;
	int fd = -2;

	stack_set_current(NULL);
	CHECK_EQ(ff_pthread_create(&t, NULL, thread_socket, &fd), 0);
	CHECK_EQ(ff_pthread_join(t, NULL), 0);
	CHECK_EQ(fd, -1); /* no stack: EBADF in the thread */
	h_one_create(&h, NULL, NULL);
	stack_set_current(h.s);
	CHECK_EQ(ff_pthread_create(&t, NULL, thread_socket, &fd), 0);
	CHECK_EQ(ff_pthread_join(t, NULL), 0);
	CHECK(fd >= 0);
	CHECK(ff_fdisused(fd));
	CHECK_EQ(ff_close(fd), 0);
	CHECK_EQ(ff_pthread_create(&t, NULL, NULL, NULL), EINVAL);
	h_one_destroy(&h);
}

TEST(thread_contexts_are_refused)
{
	int x;

	errno = 0;
	CHECK(ff_adapt_user_thread_add(NULL) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	errno = 0;
	CHECK(ff_switch_curthread(&x) == NULL);
	CHECK_EQ(errno, ENOTSUP);
	errno = 0;
	ff_adapt_user_thread_exit(NULL);
	ff_restore_curthread(NULL);
	CHECK_EQ(errno, 0);
	ff_adapt_user_thread_exit(&x);
	CHECK_EQ(errno, EINVAL);
	errno = 0;
	ff_restore_curthread(&x);
	CHECK_EQ(errno, EINVAL);
	/* F-Stack's names for IPv6, and FreeBSD's errno numbers. */
	CHECK_EQ(AF_INET6_LINUX, AF_INET6);
	CHECK_EQ(AF_INET6_FREEBSD, 28);
	CHECK_EQ(ff_EAGAIN, 35);
	CHECK_EQ(ff_ECONNREFUSED, 61);
}

/* ---- ff_global_cfg and F-Stack's log file ---- */

TEST(global_cfg_and_the_log_file)
{
	static struct config cfg;
	char err[256], dir[] = "/tmp/fstack-compat-XXXXXX", text[512], path[600], buf[256];
	FILE *f;
	size_t n;

	CHECK(mkdtemp(dir) != NULL);
	/* Before ff_init: no configuration to follow. */
	CHECK_EQ(ff_log_open_set(), -1);
	CHECK_EQ(errno, EINVAL);
	snprintf(text, sizeof(text),
	         "[dpdk]\nlcore_mask=4\nport_list=0\nmemory=300\nidle_sleep=50\n"
	         "fstack_log_level=7\nfstack_log_file_prefix=%s/fs-\n[pcap]\nsnaplen=100\n"
	         "[port0]\naddr=198.18.0.1\nnetmask=255.255.255.0\n",
	         dir);
	config_defaults(&cfg);
	CHECK_EQ(config_load_string(&cfg, "t.ini", text, err, sizeof(err)), 0);
	api_compat_config_fill(&cfg);
	CHECK(strcmp(ff_global_cfg.filename, cfg.file) == 0);
	CHECK(strcmp(ff_global_cfg.dpdk.lcore_mask, "4") == 0);
	CHECK(strcmp(ff_global_cfg.dpdk.proc_type, "primary") == 0);
	CHECK_EQ(ff_global_cfg.dpdk.nb_procs, 1);
	CHECK_EQ(ff_global_cfg.dpdk.memory, 300);
	CHECK_EQ(ff_global_cfg.dpdk.idle_sleep, 50);
	CHECK_EQ(ff_global_cfg.dpdk.nb_ports, 1);
	CHECK_EQ(ff_global_cfg.dpdk.portid_list[0], 0);
	CHECK_EQ(ff_global_cfg.pcap.snap_len, 100);
	CHECK_EQ(ff_global_cfg.kni.enable, 0);
	CHECK_EQ(ff_global_cfg.log.level, 7);
	/* fstack_log_level 7: the file <prefix><proc-id>.log is the stream. */
	CHECK(ff_global_cfg.log.f != NULL);
	ff_log_set_global_level(FF_LOG_DEBUG);
	CHECK_EQ(ff_log(FF_LOG_INFO, FF_LOGTYPE_FSTACK_LIB, "lib says hello\n"), 0);
	CHECK_EQ(ff_log(FF_LOG_DEBUG, FF_LOGTYPE_FSTACK_LIB, "above the level\n"), 0);
	CHECK_EQ(ff_log_open_set(), 0); /* open already */
	ff_log_close();
	CHECK(ff_global_cfg.log.f == NULL);
	CHECK_EQ(ff_log(FF_LOG_ERR, FF_LOGTYPE_FSTACK_LIB, "after close\n"), 0);
	ff_log_close(); /* twice: nothing */
	snprintf(path, sizeof(path), "%s/fs-0.log", dir);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		CHECK(strstr(buf, "lib says hello") && !strstr(buf, "above the level") &&
		          !strstr(buf, "after close"),
		      "log file: '%s'", buf);
	}
	unlink(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
