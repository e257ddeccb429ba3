/* test_udp_socket.c: UDP sockets through the ff_* API (src/udp, src/socket,
 * src/api).
 *
 * Two kinds of fixture:
 *   - a pair of stacks on the in-memory link (A = 198.18.0.1, B =
 *     198.18.0.2) for traffic between sockets: bytes and addresses must
 *     arrive exactly, through ARP, IPv4 and UDP, on virtual time;
 *   - one stack on a capture port ("us" = 198.18.0.1, the peer
 *     198.18.0.2 is a byte array in the test) for what goes on the wire:
 *     ICMP port unreachable, malformed datagrams, TTL/TOS, routes.
 *
 * Every errno the API can return for UDP is provoked at least once.  Each
 * fixture checks at teardown that no mbuf leaked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "ff_api.h"
#include "ff_epoll.h"
#include "harness.h"
#include "eth/arp.h"
#include "port/port_memlink.h"
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

static void on(struct stack *s)
{
	stack_set_current(s);
}

static int udp_socket(void)
{
	int fd = ff_socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(fd >= 0, "ff_socket: %s", strerror(errno));
	return fd;
}

static int udp_bound(const char *ip, uint16_t port)
{
	struct sockaddr_in a;
	int fd = udp_socket();

	CHECK_EQ(ff_bind(fd, sin4(&a, ip, port), sizeof(a)), 0);
	return fd;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	memset(&a, 0, sizeof(a));
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&a, &len), 0);
	CHECK_EQ(len, sizeof(a));
	return ntohs(a.sin_port);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 131 + seed * 7 + (i >> 8));
}

static int64_t knobs[KNOB_COUNT];

static int64_t *knobs_default(void)
{
	for (unsigned i = 0; i < KNOB_COUNT; i++)
		knobs[i] = knob_table[i].def;
	return knobs;
}

/* Receives one datagram on fd (current stack) and checks length, bytes and
 * sender. */
static void expect_dgram_(const char *file, int line, int fd, const uint8_t *want, size_t n,
                          const char *from_ip, uint16_t from_port)
{
	static uint8_t buf[70000];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	ssize_t r;

	memset(&from, 0xee, sizeof(from));
	r = ff_recvfrom(fd, buf, sizeof(buf), 0, (struct linux_sockaddr *)&from, &flen);
	if (r < 0) {
		harness_fail(file, line, "recvfrom: %s, expected %zu bytes", strerror(errno), n);
		return;
	}
	if ((size_t)r != n || memcmp(buf, want, n) != 0)
		harness_fail(file, line, "datagram of %zd bytes differs from the %zu sent", r, n);
	if (flen != sizeof(from) || from.sin_family != AF_INET ||
	    from.sin_addr.s_addr != h_ip4(from_ip) || ntohs(from.sin_port) != from_port)
		harness_fail(file, line, "sender %s:%u (len %u), expected %s:%u",
		             inet_ntoa(from.sin_addr), ntohs(from.sin_port), flen, from_ip,
		             from_port);
}
#define EXPECT_DGRAM(fd, want, n, ip, port) expect_dgram_(__FILE__, __LINE__, fd, want, n, ip, port)

static void expect_empty_(const char *file, int line, int fd)
{
	char b[8];
	ssize_t r = ff_recv(fd, b, sizeof(b), 0);

	if (r != -1 || errno != EAGAIN)
		harness_fail(file, line, "recv = %zd (%s), expected EAGAIN", r,
		             r < 0 ? strerror(errno) : "data");
}
#define EXPECT_EMPTY(fd) expect_empty_(__FILE__, __LINE__, fd)

/* ---- frames for the one-stack fixture ---- */

struct frame {
	uint8_t b[2048];
	size_t len;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Reference Internet checksum, independent of src/wire (host order). */
static uint16_t ref_cksum(const uint8_t *p, size_t len, uint32_t seed)
{
	uint32_t s = seed;

	for (size_t i = 0; i < len; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t phdr_seed(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	const uint8_t *a = (const uint8_t *)&src, *b = (const uint8_t *)&dst;

	return (uint32_t)(a[0] << 8 | a[1]) + (uint32_t)(a[2] << 8 | a[3]) +
	       (uint32_t)(b[0] << 8 | b[1]) + (uint32_t)(b[2] << 8 | b[3]) + proto + (uint32_t)len;
}

/* Peer -> dst: Ethernet + IPv4 (total length iplen_extra beyond the UDP
 * bytes) + UDP with ulen in the header (0: the real length) and a correct
 * checksum unless cksum_mode is 1 (zero: none) or 2 (wrong). */
struct udp_spec {
	const char *src, *dst;
	uint16_t sport, dport;
	const void *payload;
	size_t plen;
	int ulen;        /* UDP length field; 0 = 8 + plen */
	int cksum_mode;  /* 0 correct, 1 zero, 2 wrong */
	size_t ip_extra; /* bytes of IP payload after the UDP datagram */
	size_t l4_bytes; /* if non-zero: only this many UDP bytes (short) */
};

static void udp_frame(struct frame *f, const struct udp_spec *sp)
{
	uint8_t *ip = f->b + 14, *u = ip + 20;
	uint32_t src = h_ip4(sp->src), dst = h_ip4(sp->dst);
	size_t ulen_real = 8 + sp->plen;
	size_t l4 = sp->l4_bytes ? sp->l4_bytes : ulen_real + sp->ip_extra;
	uint16_t ulen = (uint16_t)(sp->ulen ? (size_t)sp->ulen : ulen_real);

	memset(f->b, 0, sizeof(f->b));
	memcpy(f->b, US_MAC.addr_bytes, 6);
	memcpy(f->b + 6, PEER_MAC.addr_bytes, 6);
	put16(f->b + 12, RTE_ETHER_TYPE_IPV4);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4));
	put16(ip + 4, 0x1234);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	put16(ip + 10, ref_cksum(ip, 20, 0));
	put16(u, sp->sport);
	put16(u + 2, sp->dport);
	put16(u + 4, ulen);
	if (sp->plen)
		memcpy(u + 8, sp->payload, sp->plen);
	if (sp->cksum_mode != 1 && ulen <= ulen_real) {
		uint16_t c = ref_cksum(u, ulen, phdr_seed(src, dst, IPPROTO_UDP, ulen));

		if (c == 0)
			c = 0xffff;
		if (sp->cksum_mode == 2)
			c ^= 0x0101;
		put16(u + 6, c);
	}
	f->len = 14 + 20 + l4;
}

static void inject(struct h_one *h, const struct frame *f, uint64_t ol_flags)
{
	struct rte_mbuf *m = harness_frame(h->pool, f->b, f->len);

	if (!m)
		abort();
	m->ol_flags = ol_flags;
	cap_port_inject(h->cap, m);
	h_one_pass(h);
}

/* Pops the next frame the stack sent (flat copy); false if none. */
static bool sent_(const char *file, int line, struct h_one *h, struct frame *f)
{
	struct rte_mbuf *m = cap_port_pop(h->cap);

	if (!m) {
		harness_fail(file, line, "expected a frame, nothing was sent");
		return false;
	}
	f->len = m->pkt_len < sizeof(f->b) ? m->pkt_len : sizeof(f->b);
	{
		const void *d = rte_pktmbuf_read(m, 0, (uint32_t)f->len, f->b);

		if (d != f->b)
			memcpy(f->b, d, f->len);
	}
	rte_pktmbuf_free(m);
	return true;
}
#define SENT(h, f) sent_(__FILE__, __LINE__, h, f)

static void nothing_sent_(const char *file, int line, struct h_one *h)
{
	struct rte_mbuf *m;
	char d[256];

	while ((m = cap_port_pop(h->cap)) != NULL) {
		harness_fail(file, line, "unexpected frame: %s", harness_describe(m, d, sizeof(d)));
		rte_pktmbuf_free(m);
	}
}
#define NOTHING_SENT(h) nothing_sent_(__FILE__, __LINE__, h)

static void one_setup(struct h_one *h, const int64_t *k)
{
	h_one_create(h, NULL, k);
	cap_port_clear(h->cap); /* gratuitous ARP */
	CHECK_EQ(arp_add_static(h->s, 0, h_ip4(B_IP), &PEER_MAC), 0);
}

#define UDPS(h, name) ((h)->s->stats.udp.name)

/* ---- socket creation, descriptors ---- */

TEST(socket_create_errno_and_descriptor_numbers)
{
	struct h_one h;
	int fd, fd2, fd3, v;
	socklen_t len;

	one_setup(&h, NULL);
	on(h.s);
	fd = udp_socket();
	fd2 = udp_socket();
	CHECK_EQ(fd, 3); /* 0..2 are never handed out */
	CHECK_EQ(fd2, 4);
	CHECK_EQ(ff_close(fd), 0);
	fd3 = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	CHECK_EQ(fd3, 3); /* lowest free first */
	CHECK_EQ(ff_fcntl(fd3, F_GETFL), O_RDWR | O_NONBLOCK);
	CHECK_EQ(ff_fcntl(fd3, F_GETFD), FD_CLOEXEC);
	CHECK_EQ(ff_fcntl(fd2, F_GETFL), O_RDWR);
	CHECK_EQ(ff_fcntl(fd2, F_GETFD), 0);
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(fd3, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	CHECK_EQ(v, SOCK_DGRAM);
	CHECK_EQ(ff_getsockopt(fd3, SOL_SOCKET, SO_PROTOCOL, &v, &len), 0);
	CHECK_EQ(v, IPPROTO_UDP);
	CHECK_EQ(ff_getsockopt(fd3, SOL_SOCKET, SO_DOMAIN, &v, &len), 0);
	CHECK_EQ(v, AF_INET);

	CHECK_ERR(ff_socket(AF_UNIX, SOCK_DGRAM, 0), EAFNOSUPPORT);
	CHECK_ERR(ff_socket(AF_PACKET, SOCK_DGRAM, 0), EAFNOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM | 0x10, 0), EINVAL); /* unknown flag */
	CHECK_ERR(ff_socket(AF_INET, 12, 0), EINVAL);                /* beyond SOCK_PACKET */
	CHECK_ERR(ff_socket(AF_INET, SOCK_RAW, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_SEQPACKET, 0), ESOCKTNOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP), EPROTONOSUPPORT);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, 200), EPROTONOSUPPORT);
	CHECK_EQ(h.s->stats.sock.so_created, 3);
	CHECK_EQ(h.s->stats.sock.so_closed, 1);

	/* A thread without a stack. */
	on(NULL);
	CHECK_ERR(ff_socket(AF_INET, SOCK_DGRAM, 0), EBADF);
	on(h.s);
	h_one_destroy(&h);
}

TEST(descriptor_table_full_is_emfile)
{
	struct h_one h;
	int64_t *k = knobs_default();
	int n = 0, fd;

	k[KNOB_SOCK_MAX_FDS] = 16; /* 16 descriptors: 3..18 */
	one_setup(&h, k);
	on(h.s);
	while ((fd = ff_socket(AF_INET, SOCK_DGRAM, 0)) >= 0) {
		CHECK_EQ(fd, 3 + n);
		n++;
		if (n > 100)
			break;
	}
	CHECK_EQ(n, 16);
	CHECK_EQ(errno, EMFILE);
	CHECK_ERR(ff_epoll_create(1), EMFILE);
	CHECK_ERR(ff_kqueue(), EMFILE);
	CHECK_EQ(h.s->stats.sock.so_nofd, 3);
	CHECK_EQ(ff_close(9), 0);
	CHECK_EQ(ff_epoll_create(1), 9);
	h_one_destroy(&h); /* closes the 16 descriptors */
}

/* ---- bind ---- */

TEST(bind_rules_and_address_validation)
{
	struct h_one h;
	struct sockaddr_in a;
	struct sockaddr_in6 a6;
	int s1, s2, s3, s4, v = 1;

	one_setup(&h, NULL);
	on(h.s);
	s1 = udp_socket();
	/* Linux's checks, in Linux's order. */
	CHECK_ERR(ff_bind(s1, sin4(&a, NULL, 5000), sizeof(a) - 1), EINVAL);
	CHECK_ERR(ff_bind(s1, NULL, 0), EINVAL);
	CHECK_ERR(ff_bind(s1, NULL, sizeof(a)), EFAULT);
	CHECK_ERR(ff_bind(s1, sin4(&a, NULL, 5000), (socklen_t)-1), EINVAL);
	CHECK_ERR(ff_bind(s1, sin4(&a, NULL, 5000), 4096), EINVAL);
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	CHECK_ERR(ff_bind(s1, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	sin4(&a, NULL, 5000);
	a.sin_family = AF_UNIX;
	CHECK_ERR(ff_bind(s1, (struct linux_sockaddr *)&a, sizeof(a)), EAFNOSUPPORT);
	CHECK_ERR(ff_bind(s1, sin4(&a, "198.18.0.9", 5000), sizeof(a)), EADDRNOTAVAIL);
	CHECK_ERR(ff_bind(s1, sin4(&a, "198.19.0.1", 5000), sizeof(a)), EADDRNOTAVAIL);
	CHECK_EQ(local_port(s1), 0); /* failed binds left nothing behind */

	CHECK_EQ(ff_bind(s1, sin4(&a, NULL, 5000), sizeof(a)), 0);
	CHECK_EQ(local_port(s1), 5000);
	CHECK_ERR(ff_bind(s1, sin4(&a, NULL, 5001), sizeof(a)), EINVAL); /* bound already */
	s2 = udp_socket();
	CHECK_ERR(ff_bind(s2, sin4(&a, NULL, 5000), sizeof(a)), EADDRINUSE);
	CHECK_ERR(ff_bind(s2, sin4(&a, A_IP, 5000), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_bind(s2, sin4(&a, A_IP, 5002), sizeof(a)), 0);
	s3 = udp_socket();
	CHECK_ERR(ff_bind(s3, sin4(&a, NULL, 5002), sizeof(a)), EADDRINUSE); /* wildcard overlaps */
	/* Closing frees the port. */
	CHECK_EQ(ff_close(s1), 0);
	CHECK_EQ(ff_bind(s3, sin4(&a, NULL, 5000), sizeof(a)), 0);

	/* SO_REUSEADDR: every socket on the port must have it. */
	s1 = udp_socket();
	s4 = udp_socket();
	CHECK_EQ(ff_setsockopt(s1, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(s4, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(s1, sin4(&a, NULL, 6000), sizeof(a)), 0);
	CHECK_EQ(ff_bind(s4, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	CHECK_EQ(ff_close(s4), 0);
	s4 = udp_socket();
	CHECK_ERR(ff_bind(s4, sin4(&a, NULL, 6000), sizeof(a)), EADDRINUSE); /* s4 lacks it */
	CHECK_EQ(ff_close(s4), 0);

	/* SO_REUSEPORT: likewise; the two options do not mix. */
	s4 = udp_socket();
	CHECK_EQ(ff_setsockopt(s4, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	CHECK_ERR(ff_bind(s4, sin4(&a, NULL, 6000), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_close(s1), 0);
	s1 = udp_socket();
	CHECK_EQ(ff_setsockopt(s1, SOL_SOCKET, SO_REUSEPORT, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(s1, sin4(&a, NULL, 6001), sizeof(a)), 0);
	CHECK_EQ(ff_bind(s4, sin4(&a, NULL, 6001), sizeof(a)), 0);
	CHECK_EQ(local_port(s4), 6001);
	h_one_destroy(&h);
}

TEST(ipv6_sockets_exist_but_cannot_be_used_yet)
{
	struct h_one h;
	struct sockaddr_in6 a6, got;
	struct sockaddr_in a;
	socklen_t len = sizeof(got);
	int fd;

	one_setup(&h, NULL);
	on(h.s);
	fd = ff_socket(AF_INET6, SOCK_DGRAM, 0);
	CHECK(fd >= 0);
	memset(&a6, 0, sizeof(a6));
	a6.sin6_family = AF_INET6;
	a6.sin6_port = htons(53);
	CHECK_ERR(ff_bind(fd, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(ff_bind(fd, (struct linux_sockaddr *)&a6, 23), EINVAL); /* < RFC 2133 size */
	CHECK_ERR(ff_bind(fd, sin4(&a, NULL, 53), sizeof(a)), EINVAL);    /* 16 < 24 */
	inet_pton(AF_INET6, "2001:2::2", &a6.sin6_addr);
	CHECK_ERR(ff_connect(fd, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_ERR(ff_sendto(fd, "x", 1, 0, (struct linux_sockaddr *)&a6, sizeof(a6)), EAFNOSUPPORT);
	CHECK_EQ(ff_getsockname(fd, (struct linux_sockaddr *)&got, &len), 0);
	CHECK_EQ(len, sizeof(struct sockaddr_in6));
	CHECK_EQ(got.sin6_family, AF_INET6);
	CHECK_EQ(got.sin6_port, 0);
	CHECK_EQ(ff_close(fd), 0);
	h_one_destroy(&h);
}

TEST(ephemeral_ports_from_the_range)
{
	struct h_one h;
	struct sockaddr_in a;
	int64_t *k = knobs_default();
	int fds[3], extra, fd;
	uint16_t seen[3];

	k[KNOB_TCP_PORTRANGE_FIRST] = 40000;
	k[KNOB_TCP_PORTRANGE_LAST] = 40002;
	one_setup(&h, k);
	on(h.s);
	for (int i = 0; i < 3; i++) {
		fds[i] = udp_socket();
		CHECK_EQ(ff_bind(fds[i], sin4(&a, NULL, 0), sizeof(a)), 0);
		seen[i] = local_port(fds[i]);
		CHECK(seen[i] >= 40000 && seen[i] <= 40002, "port %u", seen[i]);
		for (int j = 0; j < i; j++)
			CHECK(seen[i] != seen[j], "port %u handed out twice", seen[i]);
	}
	extra = udp_socket();
	CHECK_ERR(ff_bind(extra, sin4(&a, NULL, 0), sizeof(a)), EADDRNOTAVAIL);
	/* Sending autobinds, and fails the same way when the range is used. */
	CHECK_ERR(ff_sendto(extra, "x", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), EADDRNOTAVAIL);
	CHECK_EQ(local_port(extra), 0);
	/* An explicit bind into the range conflicts as any other. */
	CHECK_ERR(ff_bind(extra, sin4(&a, A_IP, seen[1]), sizeof(a)), EADDRINUSE);
	CHECK_EQ(ff_close(fds[1]), 0);
	CHECK_EQ(ff_sendto(extra, "x", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), 1);
	CHECK_EQ(local_port(extra), seen[1]);
	/* A port bound explicitly is never handed out. */
	CHECK_EQ(ff_close(fds[0]), 0);
	fd = udp_bound(NULL, seen[0]);
	CHECK_ERR(ff_bind(udp_socket(), sin4(&a, NULL, 0), sizeof(a)), EADDRNOTAVAIL);
	(void)fd;
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

/* ---- traffic between two stacks ---- */

TEST(sendto_recvfrom_between_stacks_byte_exact)
{
	static uint8_t buf[2][1472];
	static const size_t sizes[] = { 0, 1, 2, 100, 1000, 1471, 1472 };
	struct h_pair h;
	struct sockaddr_in a, from;
	socklen_t flen;
	int sa, sb;
	uint64_t before;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	sb = udp_bound(NULL, 7000);
	on(h.a);
	sa = udp_bound(NULL, 6000);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(buf[0], sizes[i], (unsigned)i);
		CHECK_EQ(ff_sendto(sa, buf[0], sizes[i], 0, sin4(&a, B_IP, 7000), sizeof(a)),
		         sizes[i]);
	}
	h_pair_run_ms(&h, 5);
	on(h.b);
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill(buf[0], sizes[i], (unsigned)i);
		EXPECT_DGRAM(sb, buf[0], sizes[i], A_IP, 6000);
	}
	EXPECT_EMPTY(sb);
	CHECK_EQ(h.b->stats.udp.udps_delivered, ARRAY_SIZE(sizes));
	CHECK_EQ(h.a->stats.udp.udps_opackets, ARRAY_SIZE(sizes));
	CHECK_EQ(h.b->stats.udp.udps_badsum, 0);

	/* The answer goes back to the address recvfrom gave. */
	on(h.a);
	CHECK_EQ(ff_sendto(sa, "ping", 4, 0, sin4(&a, B_IP, 7000), sizeof(a)), 4);
	h_pair_run_ms(&h, 1);
	on(h.b);
	flen = sizeof(from);
	CHECK_EQ(ff_recvfrom(sb, buf[1], sizeof(buf[1]), 0, (struct linux_sockaddr *)&from, &flen),
	         4);
	CHECK_EQ(ff_sendto(sb, "pong!", 5, 0, (struct linux_sockaddr *)&from, flen), 5);
	h_pair_run_ms(&h, 2);
	on(h.a);
	EXPECT_DGRAM(sa, (const uint8_t *)"pong!", 5, B_IP, 7000);

	/* Larger than the MTU allows: EMSGSIZE until fragmentation lands. */
	before = h.a->stats.ip4.ips_toolong;
	CHECK_ERR(ff_sendto(sa, buf[0], 1473, 0, sin4(&a, B_IP, 7000), sizeof(a)), EMSGSIZE);
	CHECK_EQ(h.a->stats.ip4.ips_toolong, before + 1);
	h_pair_destroy(&h);
}

TEST(writev_readv_recvmsg_scatter_gather)
{
	static const char *parts[] = { "ab", "", "cdefg", "h", "ijklmnopqrstuvwxyz" };
	struct h_pair h;
	struct sockaddr_in a, from;
	struct iovec iov[5];
	struct msghdr msg;
	char out[3][8];
	int sa, sb;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	sb = udp_bound(NULL, 7000);
	on(h.a);
	sa = udp_bound(NULL, 6000);
	CHECK_EQ(ff_connect(sa, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	for (int i = 0; i < 5; i++) {
		iov[i].iov_base = (void *)(uintptr_t)parts[i];
		iov[i].iov_len = strlen(parts[i]);
	}
	CHECK_EQ(ff_writev(sa, iov, 5), 26);
	CHECK_EQ(ff_write(sa, "0123456789", 10), 10);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	CHECK_EQ(ff_sendmsg(sa, &msg, 0), 2); /* "ab" + "" */
	h_pair_run_ms(&h, 5);

	on(h.b);
	for (int i = 0; i < 3; i++) {
		iov[i].iov_base = out[i];
		iov[i].iov_len = sizeof(out[i]);
	}
	memset(out, 0, sizeof(out));
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = iov;
	msg.msg_iovlen = 3;
	msg.msg_controllen = 99;
	/* 26 bytes into 3 x 8: 24 fit, the datagram is truncated. */
	CHECK_EQ(ff_recvmsg(sb, &msg, 0), 24);
	CHECK_EQ(msg.msg_flags, MSG_TRUNC);
	CHECK_EQ(msg.msg_namelen, sizeof(from));
	CHECK_EQ(msg.msg_controllen, 0);
	CHECK_EQ(from.sin_addr.s_addr, h_ip4(A_IP));
	CHECK_EQ(ntohs(from.sin_port), 6000);
	CHECK(memcmp(out, "abcdefghijklmnopqrstuvwx", 24) == 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(ff_readv(sb, iov, 2), 10);
	CHECK(memcmp(out,
	             "01234567"
	             "89",
	             10) == 0);
	CHECK_EQ(ff_read(sb, out[0], sizeof(out[0])), 2);
	CHECK(memcmp(out[0], "ab", 2) == 0);
	CHECK_ERR(ff_read(sb, out[0], sizeof(out[0])), EAGAIN);
	h_pair_destroy(&h);
}

/* Jumbo frames make datagrams that span several mbufs; with and without
 * checksum offloads on the link. */
static void jumbo_run(bool offloads)
{
	static uint8_t big[8973], part[7][2000];
	static const size_t cuts[7] = { 1, 1999, 7, 1500, 2000, 1465, 2000 };
	struct h_pair h;
	struct sockaddr_in a;
	struct iovec iov[7];
	int sa, sb, n;
	size_t off = 0;

	h_pair_create(&h, NULL, NULL, NULL);
	h.a->ports[0]->mtu = h.b->ports[0]->mtu = 9000;
	h.a->ifs[0].mtu = h.b->ifs[0].mtu = 9000;
	if (offloads) {
		port_memlink_set_offloads(h.a->ports[0], PORT_MEMLINK_OFFLOADS);
		port_memlink_set_offloads(h.b->ports[0], PORT_MEMLINK_OFFLOADS);
	}
	on(h.b);
	sb = udp_bound(NULL, 7000);
	on(h.a);
	sa = udp_bound(NULL, 6000);
	fill(big, sizeof(big), 5);
	/* One flat buffer, then the same bytes in 7 odd pieces. */
	CHECK_EQ(ff_sendto(sa, big, 8972, 0, sin4(&a, B_IP, 7000), sizeof(a)), 8972);
	for (int i = 0; i < 7; i++) {
		memcpy(part[i], big + off, cuts[i]);
		iov[i].iov_base = part[i];
		iov[i].iov_len = cuts[i];
		off += cuts[i];
	}
	CHECK_EQ(off, 8972);
	CHECK_EQ(ff_connect(sa, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	CHECK_EQ(ff_writev(sa, iov, 7), 8972);
	h_pair_run_ms(&h, 5);
	on(h.b);
	CHECK_EQ(ff_ioctl(sb, FIONREAD, &n), 0);
	CHECK_EQ(n, 8972);
	EXPECT_DGRAM(sb, big, 8972, A_IP, 6000);
	EXPECT_DGRAM(sb, big, 8972, A_IP, 6000);
	CHECK_EQ(h.b->stats.udp.udps_badsum, 0);
	on(h.a);
	CHECK_ERR(ff_send(sa, big, 8973, 0), EMSGSIZE); /* 8973 + 28 > 9000 */
	h_pair_destroy(&h);
}

TEST(multisegment_datagrams_software_checksums)
{
	jumbo_run(false);
}

TEST(multisegment_datagrams_checksum_offloads)
{
	jumbo_run(true);
}

TEST(size_limits_sndbuf_and_65507)
{
	static uint8_t big[65508];
	struct h_pair h;
	struct sockaddr_in a;
	int sa, v;
	socklen_t len = sizeof(v);

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	sa = udp_bound(NULL, 6000);
	/* SO_SNDBUF is the largest datagram (net.inet.udp.maxdgram = 9216). */
	CHECK_EQ(ff_getsockopt(sa, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	CHECK_EQ(v, 9216);
	CHECK_ERR(ff_sendto(sa, big, 9217, 0, sin4(&a, B_IP, 7000), sizeof(a)), EMSGSIZE);
	v = 70000;
	CHECK_EQ(ff_setsockopt(sa, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	CHECK_ERR(ff_sendto(sa, big, 65508, 0, sin4(&a, B_IP, 7000), sizeof(a)), EMSGSIZE);
	/* 65507 passes UDP and stops at the MTU. */
	CHECK_ERR(ff_sendto(sa, big, 65507, 0, sin4(&a, B_IP, 7000), sizeof(a)), EMSGSIZE);
	CHECK_EQ(h.a->stats.ip4.ips_toolong, 1);
	h_pair_destroy(&h);
}

TEST(no_mbuf_is_enobufs_and_leaks_nothing)
{
	static struct rte_mbuf *hold[8192];
	static uint8_t big[8972];
	struct h_pair h;
	struct sockaddr_in a;
	unsigned n = 0;
	int sa;

	h_pair_create(&h, NULL, NULL, NULL);
	h.a->ports[0]->mtu = h.b->ports[0]->mtu = 9000;
	h.a->ifs[0].mtu = h.b->ifs[0].mtu = 9000;
	on(h.a);
	sa = udp_bound(NULL, 6000);
	/* Resolve B first, so that nothing else needs a buffer. */
	CHECK_EQ(ff_sendto(sa, "x", 1, 0, sin4(&a, B_IP, 7000), sizeof(a)), 1);
	h_pair_run_ms(&h, 3);
	on(h.a);
	while (n < ARRAY_SIZE(hold) && (hold[n] = rte_pktmbuf_alloc(h.pool_a)) != NULL)
		n++;
	CHECK_ERR(ff_sendto(sa, "x", 1, 0, sin4(&a, B_IP, 7000), sizeof(a)), ENOBUFS);
	/* Two buffers left: a jumbo datagram needs five; the partial chain
	 * goes back to the pool. */
	rte_pktmbuf_free(hold[--n]);
	rte_pktmbuf_free(hold[--n]);
	CHECK_ERR(ff_sendto(sa, big, sizeof(big), 0, sin4(&a, B_IP, 7000), sizeof(a)), ENOBUFS);
	CHECK_EQ(rte_mempool_avail_count(h.pool_a), 2);
	while (n > 0)
		rte_pktmbuf_free(hold[--n]);
	CHECK_EQ(ff_sendto(sa, big, sizeof(big), 0, sin4(&a, B_IP, 7000), sizeof(a)), 8972);
	h_pair_destroy(&h);
}

TEST(connected_udp_filters_input_and_sets_the_default_peer)
{
	struct h_pair h;
	struct sockaddr_in a, peer;
	socklen_t len;
	int c, a1, a2;
	uint64_t noport;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	a1 = udp_bound(NULL, 6000);
	a2 = udp_bound(NULL, 6001);
	on(h.b);
	c = udp_bound(NULL, 7000);
	len = sizeof(peer);
	CHECK_ERR(ff_getpeername(c, (struct linux_sockaddr *)&peer, &len), ENOTCONN);
	CHECK_ERR(ff_send(c, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(ff_write(c, "x", 1), EDESTADDRREQ);
	CHECK_ERR(ff_connect(c, sin4(&a, A_IP, 0), sizeof(a)), EADDRNOTAVAIL);
	CHECK_ERR(ff_connect(c, sin4(&a, "198.19.0.1", 9), sizeof(a)), ENETUNREACH);
	CHECK_ERR(ff_connect(c, sin4(&a, "198.18.0.255", 9), sizeof(a)), EACCES);
	CHECK_ERR(ff_connect(c, sin4(&a, A_IP, 6000), 8), EINVAL);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	len = sizeof(peer);
	CHECK_EQ(ff_getpeername(c, (struct linux_sockaddr *)&peer, &len), 0);
	CHECK_EQ(peer.sin_addr.s_addr, h_ip4(A_IP));
	CHECK_EQ(ntohs(peer.sin_port), 6000);
	len = sizeof(peer);
	CHECK_EQ(ff_getsockname(c, (struct linux_sockaddr *)&peer, &len), 0);
	CHECK_EQ(peer.sin_addr.s_addr, h_ip4(B_IP)); /* the route's source */
	CHECK_EQ(ntohs(peer.sin_port), 7000);

	/* Only the peer gets through; the other port finds no socket. */
	on(h.a);
	CHECK_EQ(ff_sendto(a2, "other", 5, 0, sin4(&a, B_IP, 7000), sizeof(a)), 5);
	CHECK_EQ(ff_sendto(a1, "peer", 4, 0, sin4(&a, B_IP, 7000), sizeof(a)), 4);
	noport = h.b->stats.udp.udps_noport;
	h_pair_run_ms(&h, 5);
	CHECK_EQ(h.b->stats.udp.udps_noport, noport + 1);
	CHECK_EQ(h.b->stats.icmp.icps_error, 1);
	CHECK_EQ(h.a->stats.icmp.icps_inhist_other, 1); /* the unreachable came back */
	on(h.b);
	EXPECT_DGRAM(c, (const uint8_t *)"peer", 4, A_IP, 6000);
	EXPECT_EMPTY(c);
	/* send() without an address goes to the peer. */
	CHECK_EQ(ff_send(c, "back", 4, 0), 4);
	/* An explicit address still works on a connected socket (Linux). */
	CHECK_EQ(ff_sendto(c, "side", 4, 0, sin4(&a, A_IP, 6001), sizeof(a)), 4);
	h_pair_run_ms(&h, 2);
	on(h.a);
	EXPECT_DGRAM(a1, (const uint8_t *)"back", 4, B_IP, 7000);
	EXPECT_DGRAM(a2, (const uint8_t *)"side", 4, B_IP, 7000);

	/* AF_UNSPEC dissolves the association: everyone gets through again. */
	on(h.b);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_UNSPEC;
	CHECK_EQ(ff_connect(c, (struct linux_sockaddr *)&a, sizeof(a)), 0);
	len = sizeof(peer);
	CHECK_ERR(ff_getpeername(c, (struct linux_sockaddr *)&peer, &len), ENOTCONN);
	CHECK_EQ(ff_getsockname(c, (struct linux_sockaddr *)&peer, &len), 0);
	CHECK_EQ(peer.sin_addr.s_addr, 0); /* the route's source is forgotten */
	CHECK_EQ(ntohs(peer.sin_port), 7000);
	CHECK_ERR(ff_send(c, "x", 1, 0), EDESTADDRREQ);
	on(h.a);
	CHECK_EQ(ff_sendto(a2, "other", 5, 0, sin4(&a, B_IP, 7000), sizeof(a)), 5);
	h_pair_run_ms(&h, 2);
	on(h.b);
	EXPECT_DGRAM(c, (const uint8_t *)"other", 5, A_IP, 6001);
	h_pair_destroy(&h);
}

TEST(best_match_connected_then_address_then_wildcard)
{
	struct h_pair h;
	struct sockaddr_in a;
	int w, b, c, a1, a2, a3, v = 1;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	a1 = udp_bound(NULL, 6000);
	a2 = udp_bound(NULL, 6001);
	a3 = udp_bound(NULL, 6002);
	on(h.b);
	w = udp_socket();
	b = udp_socket();
	c = udp_socket();
	CHECK_EQ(ff_setsockopt(w, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(c, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	/* Bound in an order that a first-found rule would get wrong. */
	CHECK_EQ(ff_bind(c, sin4(&a, NULL, 7001), sizeof(a)), 0);
	CHECK_EQ(ff_connect(c, sin4(&a, A_IP, 6000), sizeof(a)), 0);
	CHECK_EQ(ff_bind(b, sin4(&a, B_IP, 7001), sizeof(a)), 0);
	CHECK_EQ(ff_bind(w, sin4(&a, NULL, 7001), sizeof(a)), 0);
	on(h.a);
	CHECK_EQ(ff_sendto(a1, "1", 1, 0, sin4(&a, B_IP, 7001), sizeof(a)), 1);
	CHECK_EQ(ff_sendto(a2, "2", 1, 0, sin4(&a, B_IP, 7001), sizeof(a)), 1);
	h_pair_run_ms(&h, 5);
	on(h.b);
	EXPECT_DGRAM(c, (const uint8_t *)"1", 1, A_IP, 6000);
	EXPECT_DGRAM(b, (const uint8_t *)"2", 1, A_IP, 6001);
	EXPECT_EMPTY(w);
	/* Without the address-bound socket, the wildcard one. */
	CHECK_EQ(ff_close(b), 0);
	on(h.a);
	CHECK_EQ(ff_sendto(a3, "3", 1, 0, sin4(&a, B_IP, 7001), sizeof(a)), 1);
	h_pair_run_ms(&h, 2);
	on(h.b);
	EXPECT_DGRAM(w, (const uint8_t *)"3", 1, A_IP, 6002);
	EXPECT_EMPTY(c);
	/* Equal matches: the most recent binding wins (FreeBSD, Linux). */
	b = udp_socket();
	CHECK_EQ(ff_setsockopt(b, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(b, sin4(&a, NULL, 7001), sizeof(a)), 0);
	on(h.a);
	CHECK_EQ(ff_sendto(a3, "4", 1, 0, sin4(&a, B_IP, 7001), sizeof(a)), 1);
	h_pair_run_ms(&h, 2);
	on(h.b);
	EXPECT_DGRAM(b, (const uint8_t *)"4", 1, A_IP, 6002);
	EXPECT_EMPTY(w);
	CHECK_EQ(ff_close(b), 0);
	on(h.a);
	CHECK_EQ(ff_sendto(a3, "5", 1, 0, sin4(&a, B_IP, 7001), sizeof(a)), 1);
	h_pair_run_ms(&h, 2);
	on(h.b);
	EXPECT_DGRAM(w, (const uint8_t *)"5", 1, A_IP, 6002);
	h_pair_destroy(&h);
}

TEST(broadcast_needs_so_broadcast_to_send_and_reaches_every_socket)
{
	struct h_pair h;
	struct sockaddr_in a;
	int sa, b1, b2, b3, v = 1;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	b1 = udp_socket();
	b2 = udp_socket();
	CHECK_EQ(ff_setsockopt(b1, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_setsockopt(b2, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(b1, sin4(&a, NULL, 6767), sizeof(a)), 0);
	CHECK_EQ(ff_bind(b2, sin4(&a, NULL, 6767), sizeof(a)), 0);
	/* Bound to the unicast address: no broadcasts (Linux, FreeBSD). */
	b3 = udp_socket();
	CHECK_EQ(ff_setsockopt(b3, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), 0);
	CHECK_EQ(ff_bind(b3, sin4(&a, B_IP, 6767), sizeof(a)), 0);
	on(h.a);
	sa = udp_bound(NULL, 6868);
	CHECK_ERR(ff_sendto(sa, "bc", 2, 0, sin4(&a, "198.18.0.255", 6767), sizeof(a)), EACCES);
	CHECK_ERR(ff_sendto(sa, "bc", 2, 0, sin4(&a, "255.255.255.255", 6767), sizeof(a)), EACCES);
	CHECK_EQ(ff_setsockopt(sa, SOL_SOCKET, SO_BROADCAST, &v, sizeof(v)), 0);
	CHECK_EQ(ff_sendto(sa, "bc", 2, 0, sin4(&a, "198.18.0.255", 6767), sizeof(a)), 2);
	CHECK_EQ(ff_sendto(sa, "lb", 2, 0, sin4(&a, "255.255.255.255", 6767), sizeof(a)), 2);
	/* To a port nobody listens on: no ICMP, counted. */
	CHECK_EQ(ff_sendto(sa, "no", 2, 0, sin4(&a, "198.18.0.255", 6769), sizeof(a)), 2);
	h_pair_run_ms(&h, 3);
	on(h.b);
	EXPECT_DGRAM(b1, (const uint8_t *)"bc", 2, A_IP, 6868);
	EXPECT_DGRAM(b2, (const uint8_t *)"bc", 2, A_IP, 6868);
	EXPECT_DGRAM(b1, (const uint8_t *)"lb", 2, A_IP, 6868);
	EXPECT_DGRAM(b2, (const uint8_t *)"lb", 2, A_IP, 6868);
	EXPECT_EMPTY(b1);
	EXPECT_EMPTY(b2);
	EXPECT_EMPTY(b3);
	CHECK_EQ(h.b->stats.udp.udps_noportbcast, 1);
	CHECK_EQ(h.b->stats.icmp.icps_error, 0);
	h_pair_destroy(&h);
}

TEST(recv_peek_trunc_and_empty)
{
	struct h_pair h;
	struct sockaddr_in a, from;
	uint8_t d100[100], buf[200];
	struct iovec iov = { buf, 10 };
	struct msghdr msg;
	socklen_t flen;
	int sa, sb, nb, n;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	sb = udp_bound(NULL, 7000);
	nb = ff_socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	CHECK_EQ(ff_bind(nb, sin4(&a, NULL, 7002), sizeof(a)), 0);
	/* Nothing to read: EAGAIN, blocking or not (nothing ever blocks). */
	EXPECT_EMPTY(sb);
	EXPECT_EMPTY(nb);
	CHECK_ERR(ff_recv(sb, buf, sizeof(buf), MSG_DONTWAIT), EAGAIN);
	CHECK_EQ(ff_ioctl(sb, FIONREAD, &n), 0);
	CHECK_EQ(n, 0);
	on(h.a);
	sa = udp_bound(NULL, 6000);
	fill(d100, sizeof(d100), 1);
	CHECK_EQ(ff_sendto(sa, d100, 100, 0, sin4(&a, B_IP, 7000), sizeof(a)), 100);
	CHECK_EQ(ff_sendto(sa, d100, 50, 0, sin4(&a, B_IP, 7000), sizeof(a)), 50);
	CHECK_EQ(ff_sendto(sa, "", 0, 0, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	h_pair_run_ms(&h, 5);

	on(h.b);
	CHECK_EQ(ff_ioctl(sb, FIONREAD, &n), 0);
	CHECK_EQ(n, 100); /* the next datagram (Linux) */
	/* MSG_PEEK leaves it; MSG_TRUNC tells the real size. */
	CHECK_EQ(ff_recv(sb, buf, 10, MSG_PEEK), 10);
	CHECK(memcmp(buf, d100, 10) == 0);
	CHECK_EQ(ff_recv(sb, buf, 10, MSG_PEEK | MSG_TRUNC), 100);
	flen = sizeof(from);
	CHECK_EQ(ff_recvfrom(sb, buf, sizeof(buf), MSG_PEEK, (struct linux_sockaddr *)&from, &flen),
	         100);
	CHECK_EQ(ntohs(from.sin_port), 6000);
	/* A short buffer truncates and consumes, msg_flags says so. */
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	CHECK_EQ(ff_recvmsg(sb, &msg, 0), 10);
	CHECK_EQ(msg.msg_flags, MSG_TRUNC);
	CHECK(memcmp(buf, d100, 10) == 0);
	CHECK_EQ(ff_ioctl(sb, FIONREAD, &n), 0);
	CHECK_EQ(n, 50);
	/* MSG_TRUNC with no buffer: the length, and the datagram is gone. */
	CHECK_EQ(ff_recv(sb, NULL, 0, MSG_TRUNC), 50);
	/* The empty datagram: 0 bytes, sender known. */
	flen = sizeof(from);
	memset(&from, 0, sizeof(from));
	CHECK_EQ(ff_recvfrom(sb, buf, sizeof(buf), 0, (struct linux_sockaddr *)&from, &flen), 0);
	CHECK_EQ(from.sin_addr.s_addr, h_ip4(A_IP));
	/* A short address buffer is filled as far as it goes, the length is
	 * the full one. */
	on(h.a);
	CHECK_EQ(ff_sendto(sa, "z", 1, 0, sin4(&a, B_IP, 7000), sizeof(a)), 1);
	h_pair_run_ms(&h, 1);
	on(h.b);
	flen = 4;
	memset(&from, 0, sizeof(from));
	CHECK_EQ(ff_recvfrom(sb, buf, sizeof(buf), 0, (struct linux_sockaddr *)&from, &flen), 1);
	CHECK_EQ(flen, sizeof(from));
	CHECK_EQ(from.sin_family, AF_INET);
	CHECK_EQ(from.sin_port, htons(6000));
	CHECK_EQ(from.sin_addr.s_addr, 0); /* not copied */
	EXPECT_EMPTY(sb);
	h_pair_destroy(&h);
}

TEST(receive_buffer_bounds_counted)
{
	struct h_pair h;
	struct sockaddr_in a;
	uint8_t d[500] = { 0 };
	int sa, sb, v;
	socklen_t len = sizeof(v);

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.b);
	sb = udp_bound(NULL, 7000);
	CHECK_EQ(ff_getsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 42080); /* net.inet.udp.recvspace */
	v = 2000;
	CHECK_EQ(ff_setsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	CHECK_EQ(ff_getsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 2000); /* not doubled (FreeBSD) */
	on(h.a);
	sa = udp_bound(NULL, 6000);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(ff_sendto(sa, d, sizeof(d), 0, sin4(&a, B_IP, 7000), sizeof(a)), 500);
	h_pair_run_ms(&h, 5);
	CHECK_EQ(h.b->stats.udp.udps_delivered, 4);
	CHECK_EQ(h.b->stats.udp.udps_fullsock, 6);
	on(h.b);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(ff_recv(sb, d, sizeof(d), 0), 500);
	EXPECT_EMPTY(sb);
	/* Room again once drained. */
	on(h.a);
	CHECK_EQ(ff_sendto(sa, d, sizeof(d), 0, sin4(&a, B_IP, 7000), sizeof(a)), 500);
	h_pair_run_ms(&h, 1);
	CHECK_EQ(h.b->stats.udp.udps_delivered, 5);

	/* Empty datagrams cost buffer memory: with the floor of 1024 bytes,
	 * 8 x 1024 bytes of mbufs hold 3 of them (2176 bytes each). */
	on(h.b);
	CHECK_EQ(ff_recv(sb, d, sizeof(d), 0), 500);
	v = 0;
	CHECK_EQ(ff_setsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), 0);
	CHECK_EQ(ff_getsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
	CHECK_EQ(v, 1024);
	on(h.a);
	for (int i = 0; i < 10; i++)
		CHECK_EQ(ff_sendto(sa, d, 0, 0, sin4(&a, B_IP, 7000), sizeof(a)), 0);
	h_pair_run_ms(&h, 2);
	CHECK_EQ(h.b->stats.udp.udps_delivered, 5 + 3);
	CHECK_EQ(h.b->stats.udp.udps_fullsock, 6 + 7);
	/* Beyond kern.ipc.maxsockbuf: ENOBUFS. */
	on(h.b);
	v = 2097153;
	CHECK_ERR(ff_setsockopt(sb, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)), ENOBUFS);
	CHECK_ERR(ff_setsockopt(sb, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), ENOBUFS);
	/* Datagrams still queued at teardown are freed (leak check). */
	h_pair_destroy(&h);
}

TEST(icmp_error_reaches_connected_sockets_only)
{
	struct h_pair h;
	struct sockaddr_in a;
	struct epoll_event ev;
	int c, u, ep, v;
	socklen_t len = sizeof(v);
	uint16_t cport;

	h_pair_create(&h, NULL, NULL, NULL);
	on(h.a);
	c = udp_socket();
	CHECK_EQ(ff_connect(c, sin4(&a, B_IP, 9), sizeof(a)), 0);
	cport = local_port(c);
	u = udp_bound(NULL, cport == 6000 ? 6001 : 6000);
	ep = ff_epoll_create(1);
	ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = c };
	CHECK_EQ(ff_epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev), 0);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 0);
	/* End to end: B answers with ICMP port unreachable, A's ICMP hands it
	 * to UDP, the connected socket reports ECONNREFUSED once. */
	CHECK_EQ(ff_send(c, "x", 1, 0), 1);
	CHECK_EQ(ff_sendto(u, "y", 1, 0, sin4(&a, B_IP, 9), sizeof(a)), 1);
	h_pair_run_ms(&h, 5);
	on(h.a);
	CHECK_EQ(h.b->stats.icmp.icps_error, 2);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 1);
	CHECK_EQ(ev.events, EPOLLERR);
	CHECK_ERR(ff_recv(c, &v, sizeof(v), 0), ECONNREFUSED);
	EXPECT_EMPTY(c);
	EXPECT_EMPTY(u); /* unconnected: never told */
	/* The rules, with udp_ctlinput called as icmp_input calls it. */
	udp_ctlinput(h.a, ECONNREFUSED, h_ip4(A_IP), local_port(u), h_ip4(B_IP), 9);
	udp_ctlinput(h.a, ECONNREFUSED, h_ip4(A_IP), cport, h_ip4(B_IP), 10); /* other peer */
	udp_ctlinput(h.a, ECONNREFUSED, h_ip4("198.18.0.7"), cport, h_ip4(B_IP), 9); /* not c's */
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 0);
	udp_ctlinput(h.a, ECONNREFUSED, h_ip4(A_IP), cport, h_ip4(B_IP), 9);
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 1);
	CHECK_EQ(ev.events, EPOLLERR);
	CHECK_ERR(ff_recv(c, &v, sizeof(v), 0), ECONNREFUSED);
	EXPECT_EMPTY(c); /* reported once */
	EXPECT_EMPTY(u);
	udp_ctlinput(h.a, ECONNREFUSED, h_ip4(A_IP), cport, h_ip4(B_IP), 9);
	CHECK_ERR(ff_send(c, "x", 1, 0), ECONNREFUSED);
	CHECK_EQ(ff_send(c, "x", 1, 0), 1);
	udp_ctlinput(h.a, EHOSTUNREACH, h_ip4(A_IP), cport, h_ip4(B_IP), 9);
	CHECK_EQ(ff_getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, EHOSTUNREACH);
	CHECK_EQ(ff_getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, 0); /* read clears */
	CHECK_EQ(ff_epoll_wait(ep, &ev, 1, 0), 0);
	/* Once disconnected, errors about the old peer are ignored. */
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_UNSPEC;
	CHECK_EQ(ff_connect(c, (struct linux_sockaddr *)&a, sizeof(a)), 0);
	udp_ctlinput(h.a, ECONNREFUSED, 0, cport, h_ip4(B_IP), 9);
	CHECK_EQ(ff_getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, 0);
	h_pair_destroy(&h);
}

/* ---- on the wire (one stack, capture port) ---- */

TEST(closed_port_gets_icmp_port_unreachable_on_the_wire)
{
	struct h_one h;
	struct frame f, out;
	int64_t *k = knobs_default();

	one_setup(&h, NULL);
	on(h.s);
	udp_frame(&f, &(struct udp_spec){ .src = B_IP,
	                                  .dst = A_IP,
	                                  .sport = 1234,
	                                  .dport = 9,
	                                  .payload = "abcd",
	                                  .plen = 4 });
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_noport), 1);
	if (SENT(&h, &out)) {
		const uint8_t *ip = out.b + 14, *ic = ip + 20;
		uint32_t us = h_ip4(A_IP), peer = h_ip4(B_IP);

		CHECK(memcmp(out.b, PEER_MAC.addr_bytes, 6) == 0);
		CHECK_EQ(get16(out.b + 12), RTE_ETHER_TYPE_IPV4);
		CHECK_EQ(ip[9], IPPROTO_ICMP);
		CHECK(memcmp(ip + 12, &us, 4) == 0 && memcmp(ip + 16, &peer, 4) == 0);
		CHECK_EQ(ic[0], 3); /* destination unreachable */
		CHECK_EQ(ic[1], 3); /* port */
		CHECK_EQ(get16(ip + 2), 20 + 8 + 20 + 8);
		CHECK_EQ(ref_cksum(ic, 36, 0), 0);
		/* The quote: the offending IP header and the UDP header. */
		CHECK(memcmp(ic + 8, f.b + 14, 28) == 0);
	}
	NOTHING_SENT(&h);
	/* A broadcast to a closed port: silence. */
	udp_frame(&f, &(struct udp_spec){ .src = B_IP,
	                                  .dst = "198.18.0.255",
	                                  .sport = 1234,
	                                  .dport = 9,
	                                  .payload = "abcd",
	                                  .plen = 4 });
	memset(f.b, 0xff, 6);
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_noportbcast), 1);
	CHECK_EQ(UDPS(&h, udps_noport), 1);
	NOTHING_SENT(&h);
	h_one_destroy(&h);

	/* net.inet.udp.blackhole: counted, no ICMP. */
	k[KNOB_UDP_BLACKHOLE] = 1;
	one_setup(&h, k);
	udp_frame(&f, &(struct udp_spec){ .src = B_IP,
	                                  .dst = A_IP,
	                                  .sport = 1234,
	                                  .dport = 9,
	                                  .payload = "abcd",
	                                  .plen = 4 });
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_noport), 1);
	NOTHING_SENT(&h);
	h_one_destroy(&h);
}

TEST(malformed_datagrams_each_counted)
{
	struct h_one h;
	struct frame f;
	uint8_t buf[64];
	int fd;
	struct udp_spec ok = { .src = B_IP,
		               .dst = A_IP,
		               .sport = 1234,
		               .dport = 5000,
		               .payload = "hello, world",
		               .plen = 12 };
	struct udp_spec sp;

	one_setup(&h, NULL);
	on(h.s);
	fd = udp_bound(NULL, 5000);

	/* Shorter than a UDP header. */
	sp = ok;
	sp.l4_bytes = 7;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_hdrops), 1);
	/* UDP length beyond the IP payload, and below 8. */
	sp = ok;
	sp.ulen = 21;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	sp.ulen = 7;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_badlen), 2);
	/* Bad checksum. */
	sp = ok;
	sp.cksum_mode = 2;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	CHECK_EQ(UDPS(&h, udps_badsum), 1);
	CHECK_EQ(UDPS(&h, udps_delivered), 0);
	EXPECT_EMPTY(fd);
	/* Checksum 0: none (IPv4). */
	sp = ok;
	sp.cksum_mode = 1;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	CHECK_EQ(ff_recv(fd, buf, sizeof(buf), 0), 12);
	CHECK(memcmp(buf, "hello, world", 12) == 0);
	/* IP payload longer than the UDP length: the extra is trimmed (and
	 * the checksum covers the UDP length only). */
	sp = ok;
	sp.ip_extra = 5;
	udp_frame(&f, &sp);
	inject(&h, &f, 0);
	CHECK_EQ(ff_recv(fd, buf, sizeof(buf), 0), 12);
	/* A UDP length shorter than the data: the datagram is that long. */
	sp = ok;
	sp.ulen = 8 + 5;
	udp_frame(&f, &sp);
	{
		/* Checksum over the 13 UDP bytes only. */
		uint8_t *u = f.b + 34;
		uint32_t src = h_ip4(B_IP), dst = h_ip4(A_IP);

		u[6] = u[7] = 0;
		put16(u + 6, ref_cksum(u, 13, phdr_seed(src, dst, IPPROTO_UDP, 13)));
	}
	inject(&h, &f, 0);
	CHECK_EQ(ff_recv(fd, buf, sizeof(buf), 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(UDPS(&h, udps_delivered), 3);

	/* A port with RX L4 checksum offload: its verdict is trusted. */
	h.cap->offloads |= PORT_OFF_RX_L4_CKSUM;
	udp_frame(&f, &ok);
	inject(&h, &f, RTE_MBUF_F_RX_L4_CKSUM_BAD);
	CHECK_EQ(UDPS(&h, udps_badsum), 2);
	sp = ok;
	sp.cksum_mode = 2;
	udp_frame(&f, &sp);
	inject(&h, &f, RTE_MBUF_F_RX_L4_CKSUM_GOOD);
	CHECK_EQ(ff_recv(fd, buf, sizeof(buf), 0), 12);
	inject(&h, &f, RTE_MBUF_F_RX_L4_CKSUM_NONE); /* data verified, field not */
	CHECK_EQ(ff_recv(fd, buf, sizeof(buf), 0), 12);
	inject(&h, &f, RTE_MBUF_F_RX_L4_CKSUM_UNKNOWN); /* unknown: software decides */
	CHECK_EQ(UDPS(&h, udps_badsum), 3);
	EXPECT_EMPTY(fd);
	CHECK_EQ(UDPS(&h, udps_ipackets), 11);
	NOTHING_SENT(&h);
	h_one_destroy(&h);
}

TEST(ip_ttl_tos_and_checksum_on_the_wire)
{
	struct h_one h;
	struct sockaddr_in a;
	struct frame out;
	int fd, v;
	socklen_t len = sizeof(v);

	one_setup(&h, NULL);
	on(h.s);
	fd = udp_bound(NULL, 5353);
	CHECK_EQ(ff_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	v = 7;
	CHECK_EQ(ff_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	v = 0x28;
	CHECK_EQ(ff_setsockopt(fd, IPPROTO_IP, IP_TOS, &v, sizeof(v)), 0);
	v = 256;
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, 2), EINVAL);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_EQ(ff_sendto(fd, "query", 5, 0, sin4(&a, B_IP, 53), sizeof(a)), 5);
	h_one_pass(&h);
	if (SENT(&h, &out)) {
		const uint8_t *ip = out.b + 14, *u = ip + 20;
		uint32_t src = h_ip4(A_IP), dst = h_ip4(B_IP);

		CHECK_EQ(out.len, 14 + 20 + 8 + 5);
		CHECK_EQ(ip[8], 7);
		CHECK_EQ(ip[1], 0x28);
		CHECK_EQ(get16(u), 5353);
		CHECK_EQ(get16(u + 2), 53);
		CHECK_EQ(get16(u + 4), 13);
		CHECK(get16(u + 6) != 0);
		CHECK_EQ(ref_cksum(u, 13, phdr_seed(src, dst, IPPROTO_UDP, 13)), 0);
		CHECK(memcmp(u + 8, "query", 5) == 0);
	}
	v = -1; /* back to the default */
	CHECK_EQ(ff_setsockopt(fd, IPPROTO_IP, IP_TTL, &v, sizeof(v)), 0);
	CHECK_EQ(ff_getsockopt(fd, IPPROTO_IP, IP_TTL, &v, &len), 0);
	CHECK_EQ(v, 64);
	NOTHING_SENT(&h);
	h_one_destroy(&h);
}

TEST(route_ctl_adds_and_deletes_routes)
{
	struct h_one h;
	struct sockaddr_in a, dst, gw, mask, v6;
	struct frame out;
	int fd;

	one_setup(&h, NULL);
	on(h.s);
	fd = udp_bound(NULL, 5000);
	CHECK_ERR(ff_sendto(fd, "r", 1, 0, sin4(&a, "198.19.1.1", 9), sizeof(a)), ENETUNREACH);
	sin4(&dst, "198.19.1.0", 0);
	sin4(&gw, B_IP, 0);
	sin4(&mask, "255.255.255.0", 0);
	CHECK_EQ(ff_route_ctl(FF_ROUTE_ADD, FF_RTF_GATEWAY, (struct linux_sockaddr *)&dst,
	                      (struct linux_sockaddr *)&gw, (struct linux_sockaddr *)&mask),
	         0);
	CHECK_EQ(ff_sendto(fd, "r", 1, 0, sin4(&a, "198.19.1.1", 9), sizeof(a)), 1);
	h_one_pass(&h);
	if (SENT(&h, &out)) {
		uint32_t want = h_ip4("198.19.1.1");

		CHECK(memcmp(out.b, PEER_MAC.addr_bytes, 6) == 0); /* via the gateway */
		CHECK(memcmp(out.b + 14 + 16, &want, 4) == 0);
	}
	CHECK_EQ(ff_route_ctl(FF_ROUTE_DEL, FF_RTF_GATEWAY, (struct linux_sockaddr *)&dst, NULL,
	                      (struct linux_sockaddr *)&mask),
	         0);
	CHECK_ERR(ff_sendto(fd, "r", 1, 0, sin4(&a, "198.19.1.1", 9), sizeof(a)), ENETUNREACH);
	/* A host route. */
	sin4(&dst, "198.19.2.2", 0);
	CHECK_EQ(ff_route_ctl(FF_ROUTE_ADD, FF_RTF_HOST, (struct linux_sockaddr *)&dst,
	                      (struct linux_sockaddr *)&gw, NULL),
	         0);
	CHECK_EQ(ff_sendto(fd, "h", 1, 0, sin4(&a, "198.19.2.2", 9), sizeof(a)), 1);
	CHECK_ERR(ff_sendto(fd, "h", 1, 0, sin4(&a, "198.19.2.3", 9), sizeof(a)), ENETUNREACH);
	/* Refused: non-contiguous mask, off-link gateway, IPv6, bad request. */
	sin4(&dst, "198.19.3.0", 0);
	sin4(&mask, "255.0.255.0", 0);
	CHECK_ERR(ff_route_ctl(FF_ROUTE_ADD, FF_RTF_GATEWAY, (struct linux_sockaddr *)&dst,
	                       (struct linux_sockaddr *)&gw, (struct linux_sockaddr *)&mask),
	          EINVAL);
	sin4(&mask, "255.255.255.0", 0);
	sin4(&gw, "198.19.2.2", 0);
	CHECK_ERR(ff_route_ctl(FF_ROUTE_ADD, FF_RTF_GATEWAY, (struct linux_sockaddr *)&dst,
	                       (struct linux_sockaddr *)&gw, (struct linux_sockaddr *)&mask),
	          ENETUNREACH);
	memset(&v6, 0, sizeof(v6));
	v6.sin_family = AF_INET6;
	CHECK_ERR(ff_route_ctl(FF_ROUTE_ADD, FF_RTF_HOST, (struct linux_sockaddr *)&v6, NULL, NULL),
	          EAFNOSUPPORT);
	CHECK_ERR(ff_route_ctl((enum FF_ROUTE_CTL)9, FF_RTF_HOST, (struct linux_sockaddr *)&dst,
	                       NULL, NULL),
	          EINVAL);
	h_one_pass(&h);
	cap_port_clear(h.cap);
	h_one_destroy(&h);
}

/* ---- errno cases of the API ---- */

TEST(api_errno_cases)
{
	struct h_one h;
	struct sockaddr_in a;
	struct msghdr msg;
	struct iovec iov = { NULL, 5 };
	struct linger lg;
	struct timeval tv;
	char buf[16];
	int fd, closed, ep, kq, v;
	socklen_t len;

	one_setup(&h, NULL);
	on(h.s);
	fd = udp_socket();
	closed = udp_socket();
	ep = ff_epoll_create(1);
	kq = ff_kqueue();
	CHECK_EQ(ff_close(closed), 0);

	/* EBADF: never opened, closed, negative, stdio numbers. */
	CHECK_ERR(ff_bind(-1, sin4(&a, NULL, 1), sizeof(a)), EBADF);
	CHECK_ERR(ff_bind(closed, sin4(&a, NULL, 1), sizeof(a)), EBADF);
	CHECK_ERR(ff_connect(1000, sin4(&a, B_IP, 1), sizeof(a)), EBADF);
	CHECK_ERR(ff_sendto(0, "x", 1, 0, sin4(&a, B_IP, 1), sizeof(a)), EBADF);
	CHECK_ERR(ff_recv(2, buf, 1, 0), EBADF);
	CHECK_ERR(ff_read(closed, buf, 1), EBADF);
	CHECK_ERR(ff_write(closed, buf, 1), EBADF);
	CHECK_ERR(ff_close(closed), EBADF);
	CHECK_ERR(ff_close(-5), EBADF);
	CHECK_ERR(ff_shutdown(closed, SHUT_RD), EBADF);
	CHECK_ERR(ff_fcntl(closed, F_GETFL), EBADF);
	CHECK_ERR(ff_ioctl(closed, FIONREAD, &v), EBADF);
	len = sizeof(v);
	CHECK_ERR(ff_getsockopt(closed, SOL_SOCKET, SO_TYPE, &v, &len), EBADF);
	CHECK_ERR(ff_setsockopt(closed, SOL_SOCKET, SO_REUSEADDR, &v, sizeof(v)), EBADF);
	CHECK_ERR(ff_getsockname(closed, (struct linux_sockaddr *)&a, &len), EBADF);
	CHECK_ERR(ff_listen(closed, 1), EBADF);

	/* ENOTSOCK: an epoll or kqueue descriptor where a socket is needed. */
	CHECK_ERR(ff_bind(ep, sin4(&a, NULL, 1), sizeof(a)), ENOTSOCK);
	CHECK_ERR(ff_sendto(kq, "x", 1, 0, sin4(&a, B_IP, 1), sizeof(a)), ENOTSOCK);
	CHECK_ERR(ff_recv(ep, buf, 1, 0), ENOTSOCK);
	CHECK_ERR(ff_getsockopt(kq, SOL_SOCKET, SO_TYPE, &v, &len), ENOTSOCK);
	CHECK_ERR(ff_shutdown(ep, SHUT_RD), ENOTSOCK);

	/* EINVAL */
	CHECK_ERR(ff_shutdown(fd, 7), EINVAL);
	CHECK_ERR(ff_fcntl(fd, F_DUPFD, 0), EINVAL);
	CHECK_ERR(ff_accept4(fd, NULL, NULL, 0x7), EINVAL);
	v = 1;
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 2), EINVAL);
	/* A short getsockopt buffer is no error: the value is cut (Linux);
	 * a negative length is EINVAL. */
	len = 2;
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), 0);
	CHECK_EQ(len, 2);
	len = (socklen_t)-1;
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len), EINVAL);
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 2000; /* > IOV_MAX */
	CHECK_ERR(ff_sendmsg(fd, &msg, 0), EINVAL);
	CHECK_ERR(ff_recvmsg(fd, &msg, 0), EINVAL);
	{
		/* Lengths summing past SSIZE_MAX (they would wrap). */
		struct iovec huge[2] = { { buf, (size_t)SSIZE_MAX }, { buf, 2 } };

		CHECK_ERR(ff_writev(fd, huge, 2), EINVAL);
		CHECK_ERR(ff_readv(fd, huge, 2), EINVAL);
	}
	CHECK_ERR(ff_sendto(fd, "x", 1, 0, sin4(&a, B_IP, 0), sizeof(a)), EINVAL); /* port 0 */
	CHECK_ERR(ff_sendto(fd, "x", 1, 0, sin4(&a, B_IP, 9), 0), EINVAL);
	len = (socklen_t)-1;
	CHECK_ERR(ff_getsockname(fd, (struct linux_sockaddr *)&a, &len), EINVAL);

	/* EFAULT */
	len = sizeof(a);
	CHECK_ERR(ff_getsockname(fd, NULL, &len), EFAULT);
	CHECK_ERR(ff_getpeername(fd, (struct linux_sockaddr *)&a, NULL), EFAULT);
	CHECK_ERR(ff_sendmsg(fd, NULL, 0), EFAULT);
	CHECK_ERR(ff_recvmsg(fd, NULL, 0), EFAULT);
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, NULL, &len), EFAULT);
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, NULL), EFAULT);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, NULL, 4), EFAULT);
	CHECK_ERR(ff_writev(fd, &iov, 1), EFAULT); /* NULL base, length 5 */
	CHECK_ERR(ff_readv(fd, &iov, 1), EFAULT);
	CHECK_ERR(ff_ioctl(fd, FIONREAD, NULL), EFAULT);
	CHECK_ERR(ff_recvfrom(fd, buf, 1, 0, (struct linux_sockaddr *)&a, NULL), EFAULT);

	/* EOPNOTSUPP: TCP-only calls and flags. */
	CHECK_ERR(ff_listen(fd, 5), EOPNOTSUPP);
	CHECK_ERR(ff_accept(fd, NULL, NULL), EOPNOTSUPP);
	CHECK_ERR(ff_sendto(fd, "x", 1, MSG_OOB, sin4(&a, B_IP, 9), sizeof(a)), EOPNOTSUPP);
	CHECK_ERR(ff_recv(fd, buf, 1, MSG_OOB), EOPNOTSUPP);

	/* ENOTCONN, EDESTADDRREQ, EAGAIN */
	len = sizeof(a);
	CHECK_ERR(ff_getpeername(fd, (struct linux_sockaddr *)&a, &len), ENOTCONN);
	CHECK_ERR(ff_shutdown(fd, SHUT_RDWR), ENOTCONN);
	CHECK_ERR(ff_send(fd, "x", 1, 0), EDESTADDRREQ);
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);

	/* ENOPROTOOPT: unknown options and levels. */
	v = 1;
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, 9999, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(fd, 12345, 1, &v, sizeof(v)), ENOPROTOOPT);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_TYPE, &v, sizeof(v)), ENOPROTOOPT);
	len = sizeof(v);
	CHECK_ERR(ff_getsockopt(fd, SOL_SOCKET, 9999, &v, &len), ENOPROTOOPT);
	CHECK_ERR(ff_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), ENOPROTOOPT);

	/* ENOTTY */
	CHECK_ERR(ff_ioctl(fd, 0x5401 /* TCGETS */, &v), ENOTTY);
	/* dup/dup2 succeed (test_tcp_dup.c has their cases). */
	v = ff_dup(fd);
	CHECK(v > fd);
	CHECK_EQ(ff_close(v), 0);
	CHECK_EQ(ff_dup2(fd, 20), 20);
	CHECK_EQ(ff_close(20), 0);
	/* FreeBSD's fixed MIB numbers: not served (knobs by name, {0, 3}). */
	CHECK_ERR(ff_sysctl((int[]){ 4, 2 }, 2, NULL, NULL, NULL, 0), ENOENT);

	/* Options that are kept: values read back. */
	len = sizeof(v);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len), 0);
	CHECK_EQ(v, 0);
	for (int opt = 0; opt < 4; opt++) {
		static const int names[] = { SO_REUSEADDR, SO_REUSEPORT, SO_KEEPALIVE,
			                     SO_BROADCAST };

		v = 1;
		CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, names[opt], &v, sizeof(v)), 0);
		v = 0;
		len = sizeof(v);
		CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, names[opt], &v, &len), 0);
		CHECK(v != 0, "option %d not kept", names[opt]);
		CHECK_EQ(len, sizeof(int));
	}
	lg = (struct linger){ 1, 7 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
	memset(&lg, 0, sizeof(lg));
	len = sizeof(lg);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len), 0);
	CHECK(lg.l_onoff == 1 && lg.l_linger == 7);
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(int)), EINVAL);
	tv = (struct timeval){ 2, 500 };
	CHECK_EQ(ff_setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	memset(&tv, 0, sizeof(tv));
	len = sizeof(tv);
	CHECK_EQ(ff_getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
	CHECK(tv.tv_sec == 2 && tv.tv_usec == 500);
	tv.tv_usec = 1000000;
	CHECK_ERR(ff_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), EDOM);
	/* A receive timeout does not make anything wait. */
	CHECK_ERR(ff_recv(fd, buf, sizeof(buf), 0), EAGAIN);

	/* FIONBIO and F_SETFL agree. */
	v = 1;
	CHECK_EQ(ff_ioctl(fd, FIONBIO, &v), 0);
	CHECK_EQ(ff_fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	CHECK_EQ(ff_fcntl(fd, F_SETFL, 0), 0);
	CHECK_EQ(ff_fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	CHECK_EQ(ff_fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	CHECK_EQ(ff_fcntl(fd, F_GETFD), FD_CLOEXEC);
	{
		struct timeval now;

		CHECK_EQ(ff_gettimeofday(&now, NULL), 0);
		CHECK(now.tv_sec > 1600000000);
	}
	CHECK_EQ(ff_close(ep), 0);
	CHECK_EQ(ff_close(kq), 0);
	CHECK_ERR(ff_close(ep), EBADF);
	h_one_destroy(&h);
}

int main(int argc, char **argv)
{
	harness_eal_init();
	return harness_main(argc, argv);
}
